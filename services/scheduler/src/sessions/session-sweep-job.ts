import { deleteExpiredSessions } from '@video/shared';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';

const PER_STATEMENT = 1000;
const MAX_STATEMENTS_PER_RUN = 100;

/** Deletes expired sessions in bounded statements so one run never holds a long lock. */
export function createSessionSweepJob({ db, log }: JobContext, now: () => number = Date.now): Job {
  return {
    name: 'session-sweep',
    async run(signal: AbortSignal): Promise<JobRunSummary> {
      let deleted = 0;
      for (let i = 0; i < MAX_STATEMENTS_PER_RUN && !signal.aborted; i++) {
        const n = await deleteExpiredSessions(db.kysely, now(), PER_STATEMENT);
        deleted += n;
        if (n < PER_STATEMENT) break;
      }
      countJobRun('session-sweep', { purged: deleted });
      if (deleted > 0) {
        log.info({ deleted }, 'expired sessions deleted');
      }
      return { counts: { purged: deleted } };
    },
  };
}

export const sessionSweepJob: JobDefinition = {
  name: 'session-sweep',
  // Sessions live for minutes; sweeping once a minute keeps the table small without adding load.
  intervalSeconds: (config) => Math.max(60, config.scheduler_interval_seconds),
  create: (ctx) => createSessionSweepJob(ctx),
};
