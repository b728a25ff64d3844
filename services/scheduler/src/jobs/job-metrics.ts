import { purgeRecords, purgeRuns } from '@video/shared';

/**
 * Prometheus counters every job moves, under names that say so: `scheduler_runs_total{job}` and
 * `scheduler_records_total{job,outcome}` count the runs and records of all jobs, not only the purge
 * (the shared registry still exports them under their first job's name).
 */
export const schedulerJobRuns = purgeRuns;
export const schedulerJobRecords = purgeRecords;

/** Counts one finished run of `job` and the records it handled by outcome; an outcome of 0 adds nothing. */
export function countJobRun(job: string, outcomes: Record<string, number>): void {
  schedulerJobRuns.inc({ job });
  for (const [outcome, n] of Object.entries(outcomes)) {
    if (n > 0) schedulerJobRecords.inc({ job, outcome }, n);
  }
}
