import type { Channel } from './channel.js';

export interface TaskFailure<T> {
  item: T;
  error: unknown;
}

export interface ExecutorResult<T> {
  /** Items whose task resolved. */
  succeeded: number;
  /** Every item whose task threw, with its error: nothing is lost. */
  failures: TaskFailure<T>[];
}

/**
 * Consumes a channel with at most `concurrency` tasks in flight and resolves only after every task
 * has settled, so no work outlives the run that started it and no error goes unreported.
 */
export async function runExecutor<T>(
  channel: Channel<T>,
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<ExecutorResult<T>> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be ≥ 1 (got ${concurrency})`);
  const result: ExecutorResult<T> = { succeeded: 0, failures: [] };
  // N lanes pulling from the same channel: a lane takes the next item only when its task is done.
  const lane = async () => {
    for await (const item of channel) {
      try {
        await task(item);
        result.succeeded++;
      } catch (error) {
        result.failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return result;
}
