import { schedulerJobRecords, schedulerJobRuns } from '@video/shared';

/** Counts one finished run of `job` and the records it handled by outcome; an outcome of 0 adds nothing. */
export function countJobRun(job: string, outcomes: Record<string, number>): void {
  schedulerJobRuns.inc({ job });
  for (const [outcome, n] of Object.entries(outcomes)) {
    if (n > 0) schedulerJobRecords.inc({ job, outcome }, n);
  }
}
