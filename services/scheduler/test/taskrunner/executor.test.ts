import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/taskrunner/channel.js';
import { runExecutor } from '../../src/taskrunner/executor.js';
import { runPipeline } from '../../src/taskrunner/pipeline.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runExecutor', () => {
  it('never runs more than `concurrency` tasks at once and awaits every one', async () => {
    const ch = new Channel<number>(2);
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    const exec = runExecutor(ch, 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(5 + (n % 3));
      inFlight--;
      done.push(n);
    });
    for (let i = 0; i < 20; i++) await ch.send(i);
    ch.close();
    const result = await exec;
    expect(peak).toBe(3);
    expect(inFlight).toBe(0);
    expect(done).toHaveLength(20);
    expect(result).toEqual({ succeeded: 20, failures: [] });
  });

  it('collects every failure with its item and keeps going', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 10; i++) await ch.send(i);
    ch.close();
    const result = await runExecutor(ch, 2, async (n) => {
      if (n % 3 === 0) throw new Error(`bad ${n}`);
    });
    expect(result.succeeded).toBe(6);
    expect(result.failures.map((f) => f.item).sort()).toEqual([0, 3, 6, 9]);
    expect(result.failures.map((f) => (f.error as Error).message).sort()).toEqual(['bad 0', 'bad 3', 'bad 6', 'bad 9']);
  });
});

describe('runPipeline', () => {
  it('the dispatcher is held back by the bounded channel while the executor is slow', async () => {
    let sent = 0;
    let maxAhead = 0;
    let handled = 0;
    const result = await runPipeline<number>({
      capacity: 2,
      concurrency: 1,
      dispatch: async (send) => {
        for (let i = 0; i < 10; i++) {
          await send(i);
          sent++;
          maxAhead = Math.max(maxAhead, sent - handled);
        }
      },
      task: async () => {
        await sleep(3);
        handled++;
      },
    });
    expect(result.succeeded).toBe(10);
    // capacity 2 buffered + 1 in the executor's hands.
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('reports a dispatcher error and still executes what was sent before it', async () => {
    const seen: number[] = [];
    const result = await runPipeline<number>({
      capacity: 4,
      concurrency: 2,
      dispatch: async (send) => {
        await send(1);
        await send(2);
        throw new Error('claim failed');
      },
      task: async (n) => {
        seen.push(n);
      },
    });
    expect(seen.sort()).toEqual([1, 2]);
    expect((result.dispatchError as Error).message).toBe('claim failed');
  });
});
