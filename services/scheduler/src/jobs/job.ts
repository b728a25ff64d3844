import type { Config, Db } from '@video/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Job } from '../taskrunner/worker.js';

export type { Job, JobRunSummary } from '../taskrunner/worker.js';

/** What every job is built from. */
export interface JobContext {
  db: Db;
  log: FastifyBaseLogger;
  config: Config;
}

/** How a job is registered: its name, its interval, and how to build it from its context; a Worker runs what `create` returns. */
export interface JobDefinition {
  name: string;
  /** Seconds between runs; scheduler_interval_seconds when absent. */
  intervalSeconds?(config: Config): number;
  create(context: JobContext): Job;
}
