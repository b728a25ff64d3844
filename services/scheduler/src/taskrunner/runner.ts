import { Worker, type Job, type WorkerLog, type WorkerStatus } from './worker.js';

export interface RunnerEntry {
  job: Job;
  intervalSeconds: number;
}

/** Owns one Worker per job: starts them together and stops them together. */
export class Runner {
  readonly workers: Worker[];

  constructor(entries: RunnerEntry[], options: { log: WorkerLog; runOnStart?: boolean; stopTimeoutMs?: number }) {
    this.workers = entries.map(
      (e) =>
        new Worker(e.job, {
          intervalSeconds: e.intervalSeconds,
          log: options.log,
          runOnStart: options.runOnStart,
          stopTimeoutMs: options.stopTimeoutMs,
        }),
    );
  }

  start(): void {
    for (const w of this.workers) w.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  worker(name: string): Worker | undefined {
    return this.workers.find((w) => w.job.name === name);
  }

  status(): Record<string, WorkerStatus> {
    return Object.fromEntries(this.workers.map((w) => [w.job.name, w.status]));
  }
}
