import { afterEach, describe, expect, it, vi } from 'vitest';
import { Runner } from '../../src/taskrunner/runner.js';
import { Worker, cronPatternFor, type Job } from '../../src/taskrunner/worker.js';

const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gatedJob() {
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const job: Job & { calls: number; signals: AbortSignal[] } = {
    name: 'gated',
    calls: 0,
    signals: [],
    async run(signal) {
      job.calls++;
      job.signals.push(signal);
      await gate;
      return { counts: { done: job.calls } };
    },
  };
  return {
    job,
    open: () => {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
  };
}

afterEach(() => vi.clearAllMocks());

describe('cronPatternFor', () => {
  it.each([
    [1, '*/1 * * * * *'],
    [3, '*/3 * * * * *'],
    [30, '*/30 * * * * *'],
    [60, '0 * * * * *'],
    [300, '0 */5 * * * *'],
    [7, null],
    [90, null],
    [7200, null],
  ])('%s s → %s', (seconds, pattern) => {
    expect(cronPatternFor(seconds)).toBe(pattern);
  });
});

describe('Worker', () => {
  it('skips ticks while a run is in progress (never overlaps) and records the run', async () => {
    const { job, open } = gatedJob();
    const w = new Worker(job, { intervalSeconds: 1, log });
    const first = w.tick();
    const second = w.tick();
    const third = w.tick();
    expect(job.calls).toBe(1);
    expect(w.status.running).toBe(true);
    expect(w.status.skippedTicks).toBe(2);
    open();
    await Promise.all([first, second, third]);
    expect(w.status.runs).toBe(1);
    expect(w.status.lastRunFinishedAt).not.toBeNull();
    expect(w.status.lastSummary).toEqual({ counts: { done: 1 } });
    const next = w.tick();
    expect(job.calls).toBe(2);
    open();
    await next;
    await w.stop();
  });

  it('surfaces a failed run in status and the log, and keeps ticking afterwards', async () => {
    let fail = true;
    const job: Job = {
      name: 'flaky',
      async run() {
        if (fail) throw new Error('boom');
        return { counts: {} };
      },
    };
    const w = new Worker(job, { intervalSeconds: 1, log });
    await w.tick();
    expect(w.status.lastError).toBe('boom');
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ job: 'flaky' }), 'job run failed');
    fail = false;
    await w.tick();
    expect(w.status.lastError).toBeNull();
    expect(w.status.runs).toBe(2);
  });

  it('node-cron drives it every second, without overlap even when a run outlasts the interval', async () => {
    let active = 0;
    let peak = 0;
    let calls = 0;
    const job: Job = {
      name: 'slow',
      async run() {
        calls++;
        active++;
        peak = Math.max(peak, active);
        await sleep(1500);
        active--;
        return { counts: {} };
      },
    };
    const w = new Worker(job, { intervalSeconds: 1, log });
    w.start();
    await sleep(3300);
    await w.stop();
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(2);
    expect(peak).toBe(1);
    expect(w.status.skippedTicks).toBeGreaterThanOrEqual(1);
  });

  it('falls back to a setTimeout loop for an interval cron cannot express', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const w = new Worker({ name: 'odd', run: async () => ({ counts: { calls: ++calls } }) }, { intervalSeconds: 7, log });
      w.start();
      await vi.advanceTimersByTimeAsync(7000 * 3 + 100);
      expect(calls).toBe(3);
      await w.stop();
      await vi.advanceTimersByTimeAsync(7000 * 3);
      expect(calls).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stop() aborts the run in progress, waits for it, then closes the job; later ticks do nothing', async () => {
    const { job, open } = gatedJob();
    const closed: string[] = [];
    job.close = async () => void closed.push('closed');
    const w = new Worker(job, { intervalSeconds: 1, log });
    void w.tick();
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await sleep(20);
    expect(job.signals[0].aborted).toBe(true);
    expect(stopped).toBe(false);
    open();
    await stopping;
    expect(closed).toEqual(['closed']);
    await w.tick();
    expect(job.calls).toBe(1);
  });

  it('stop() gives up waiting after its timeout', async () => {
    const { job, open } = gatedJob();
    const w = new Worker(job, { intervalSeconds: 1, log, stopTimeoutMs: 50 });
    void w.tick();
    const t = Date.now();
    await w.stop();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(log.warn).toHaveBeenCalled();
    open();
  });
});

describe('Runner', () => {
  it('runs two jobs side by side and reports each one', async () => {
    const ran: string[] = [];
    const r = new Runner(
      [
        { job: { name: 'a', run: async () => ({ counts: { n: ran.push('a') } }) }, intervalSeconds: 60 },
        { job: { name: 'b', run: async () => ({ counts: { n: ran.push('b') } }) }, intervalSeconds: 60 },
      ],
      { log, runOnStart: true },
    );
    r.start();
    await sleep(50);
    await r.stop();
    expect(ran.sort()).toEqual(['a', 'b']);
    expect(Object.keys(r.status())).toEqual(['a', 'b']);
    expect(r.worker('a')?.status.runs).toBe(1);
  });
});
