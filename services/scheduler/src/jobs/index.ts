import { announceJob } from '../announce/announce-job.js';
import { hotRankJob } from '../hot/hot-rank-job.js';
import { mediaJob } from '../media/media-job.js';
import { purgeJob } from '../purge/purge-job.js';
import { sessionSweepJob } from '../sessions/session-sweep-job.js';
import { refreshTokenSweepJob } from '../sessions/refresh-token-sweep-job.js';
import { expiredUploadsJob } from '../uploads/expired-uploads-job.js';
import { moveJob } from '../storage/move-job.js';
import type { Config } from '@video/shared';
import type { JobDefinition } from './job.js';

/** Every job the scheduler runs, each on its own non-overlapping worker. */
export const JOBS: JobDefinition[] = [
  purgeJob,
  sessionSweepJob,
  refreshTokenSweepJob,
  expiredUploadsJob,
  hotRankJob,
  mediaJob,
  announceJob,
];

/** The jobs of this configuration: JOBS, and with storage_type s3 the move into the bucket. */
export function jobsFor(config: Config): JobDefinition[] {
  return config.storage_type === 's3' ? [...JOBS, moveJob] : JOBS;
}
