import { deleteExpiredRefreshTokens } from '@video/shared';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';

const PER_STATEMENT = 1000;
const MAX_STATEMENTS_PER_RUN = 100;

/**
 * Deletes refresh tokens past their expiry, in bounded statements. A used or revoked token is kept
 * until then, so presenting it again is still recognised as a replay and ends its family.
 */
export function createRefreshTokenSweepJob({ db, log }: JobContext, now: () => number = Date.now): Job {
  return {
    name: 'refresh-token-sweep',
    async run(signal: AbortSignal): Promise<JobRunSummary> {
      let deleted = 0;
      for (let i = 0; i < MAX_STATEMENTS_PER_RUN && !signal.aborted; i++) {
        const n = await deleteExpiredRefreshTokens(db.kysely, now(), PER_STATEMENT);
        deleted += n;
        if (n < PER_STATEMENT) break;
      }
      countJobRun('refresh-token-sweep', { purged: deleted });
      if (deleted > 0) log.info({ deleted }, 'expired refresh tokens deleted');
      return { counts: { purged: deleted } };
    },
  };
}

export const refreshTokenSweepJob: JobDefinition = {
  name: 'refresh-token-sweep',
  // Tokens live for 30 days: once an hour keeps the table to the live ones without adding load.
  intervalSeconds: (config) => Math.max(3600, config.scheduler_interval_seconds),
  create: (ctx) => createRefreshTokenSweepJob(ctx),
};
