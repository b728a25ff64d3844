import { Channel } from './channel.js';
import { runExecutor, type ExecutorResult } from './executor.js';

export interface PipelineOptions<T> {
  /** Channel capacity: how far the dispatcher may run ahead of the executor. */
  capacity: number;
  concurrency: number;
  /** Produces items with send(); resolves when it has nothing more. */
  dispatch: (send: (item: T) => Promise<void>) => Promise<void>;
  task: (item: T) => Promise<void>;
}

export interface PipelineResult<T> extends ExecutorResult<T> {
  /** The dispatcher's own error, if it failed (items it sent before are still executed). */
  dispatchError?: unknown;
}

/**
 * One run of dispatcher → bounded channel → executor. The channel is closed when the dispatcher
 * ends, however it ends, so the executor always drains and returns.
 */
export async function runPipeline<T>(options: PipelineOptions<T>): Promise<PipelineResult<T>> {
  const channel = new Channel<T>(options.capacity);
  const dispatched = options.dispatch((item) => channel.send(item)).then(
    () => undefined,
    (err: unknown) => err ?? new Error('dispatcher failed'),
  ).finally(() => channel.close());
  const [dispatchError, executed] = await Promise.all([dispatched, runExecutor(channel, options.concurrency, options.task)]);
  return dispatchError === undefined ? executed : { ...executed, dispatchError };
}
