import cron, { type ScheduledTask } from 'node-cron';

/** What a job reports after one run; `counts` are logged and exposed on /healthz. */
export interface JobRunSummary {
  counts: Record<string, number>;
}

export interface Job {
  readonly name: string;
  /** One pass of work. `signal` aborts when the service stops: stop taking new work, finish or release the rest. */
  run(signal: AbortSignal): Promise<JobRunSummary>;
  /** After the last run on stop: give back anything still held. */
  close?(): Promise<void>;
}

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerOptions {
  intervalSeconds: number;
  log: WorkerLog;
  /** Run once right away on start, not only on the first tick. */
  runOnStart?: boolean;
  /** How long stop() waits for a run in progress. */
  stopTimeoutMs?: number;
  onRun?: (job: string, summary: JobRunSummary | undefined, error: unknown, ms: number) => void;
}

export interface WorkerStatus {
  running: boolean;
  runs: number;
  skippedTicks: number;
  lastRunFinishedAt: number | null;
  lastRunMs: number | null;
  lastSummary: JobRunSummary | null;
  lastError: string | null;
}

/**
 * The node-cron pattern for an interval, when cron can express it exactly: a seconds field for
 * divisors of 60 ('*\/3 * * * * *'), a minutes field for whole minutes dividing an hour. Other
 * intervals (7 s, 90 s, 2 h) drift under cron, so those use a setTimeout loop instead.
 */
export function cronPatternFor(intervalSeconds: number): string | null {
  if (intervalSeconds >= 1 && intervalSeconds < 60 && 60 % intervalSeconds === 0) return `*/${intervalSeconds} * * * * *`;
  if (intervalSeconds === 60) return '0 * * * * *';
  const minutes = intervalSeconds / 60;
  if (Number.isInteger(minutes) && minutes < 60 && 60 % minutes === 0) return `0 */${minutes} * * * *`;
  return null;
}

/**
 * Runs a job on a timer and never overlaps it with itself: a tick that arrives while a run is in
 * progress is skipped (and counted), not queued. stop() ends the timer, aborts the run in progress
 * and waits for it (bounded) so the job can finish or release its claims.
 */
export class Worker {
  private task: ScheduledTask | null = null;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private stopped = false;
  readonly status: WorkerStatus = {
    running: false,
    runs: 0,
    skippedTicks: 0,
    lastRunFinishedAt: null,
    lastRunMs: null,
    lastSummary: null,
    lastError: null,
  };

  constructor(
    readonly job: Job,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    if (this.stopped || this.task || this.timer) return;
    const pattern = cronPatternFor(this.options.intervalSeconds);
    if (pattern) {
      const { log } = this.options;
      const job = this.job.name;
      // node-cron's own messages (a missed tick under load) go to our logger, not to the console.
      const logger = {
        info: (m: string) => log.info({ job }, m),
        warn: (m: string) => log.warn({ job }, m),
        error: (m: string | Error, err?: Error) => log.error({ job, err: err ?? m }, String(m)),
        debug: () => undefined,
      };
      this.task = cron.createTask(pattern, () => void this.tick(), { name: job, logger });
      void this.task.start();
    } else {
      const loop = () => {
        this.timer = setTimeout(() => {
          void this.tick().finally(() => {
            if (!this.stopped) loop();
          });
        }, this.options.intervalSeconds * 1000);
      };
      loop();
    }
    if (this.options.runOnStart) void this.tick();
  }

  /** One tick: starts a run unless one is in progress or the worker is stopped. Resolves when that run ends. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.current) {
      this.status.skippedTicks++;
      return this.current;
    }
    this.current = this.runOnce().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async runOnce(): Promise<void> {
    const started = Date.now();
    this.status.running = true;
    let summary: JobRunSummary | undefined;
    let error: unknown;
    try {
      summary = await this.job.run(this.abort.signal);
    } catch (err) {
      error = err;
    }
    const ms = Date.now() - started;
    this.status.running = false;
    this.status.runs++;
    this.status.lastRunFinishedAt = Date.now();
    this.status.lastRunMs = ms;
    if (summary) this.status.lastSummary = summary;
    this.status.lastError = error ? String((error as Error).message ?? error) : null;
    if (error) this.options.log.error({ job: this.job.name, err: error, ms }, 'job run failed');
    this.options.onRun?.(this.job.name, summary, error, ms);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.task) await this.task.destroy();
    this.task = null;
    this.abort.abort();
    await this.waitForRun();
    await this.job.close?.().catch((err: unknown) => this.options.log.warn({ job: this.job.name, err }, 'job close failed'));
  }

  private async waitForRun(): Promise<void> {
    const inFlight = this.current;
    if (!inFlight) return;
    const limit = this.options.stopTimeoutMs ?? 4000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      inFlight.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), limit);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.options.log.warn({ job: this.job.name, limit_ms: limit }, 'run did not finish before stop timeout');
  }
}
