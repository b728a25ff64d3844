import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  deleteUpload,
  findUpload,
  listExpiredUploads,
  listUploadsOfDeletedVideos,
  purgeRecords,
  purgeRuns,
  tusStoreDir,
  tusUploadFiles,
  type TusUpload,
} from '@video/shared';
import type { Job, JobContext, JobDefinition, JobRunSummary } from './job.js';

const JOB = 'expired-uploads';
/** Upload ids as the stream server makes them; nothing else in the store directory is touched. */
const UPLOAD_ID = /^[0-9a-f]{32}$/;

export interface ExpiredUploadsOptions {
  now?: () => number;
  /** Rows per statement. */
  batch?: number;
  /**
   * How long after expiry an upload is removed. The stream server refuses an expired upload at
   * once; the grace lets a PATCH that began just before the deadline end before its file goes.
   */
  graceMs?: number;
  /** A file in the store directory with no row, untouched this long, is an orphan (a crash, a restored database). */
  orphanAgeMs?: number;
  /** Store entries looked at per run by the orphan sweep. */
  maxScan?: number;
}

const MAX_STATEMENTS_PER_RUN = 50;

/**
 * Deletes resumable uploads whose 24 hours are up, and unfinished ones whose video was deleted: the
 * partial file and the tus info file first, the row last, so a crash in between leaves the row and
 * the next run finishes the job. Then a bounded sweep removes old files that have no row at all.
 */
export function createExpiredUploadsJob({ db, log, config }: JobContext, options: ExpiredUploadsOptions = {}): Job {
  const now = options.now ?? Date.now;
  const batch = options.batch ?? Math.max(1, config.scheduler_batch);
  const graceMs = options.graceMs ?? 5 * 60_000;
  const orphanAgeMs = options.orphanAgeMs ?? 25 * 3600_000;
  const maxScan = options.maxScan ?? 10_000;

  async function removeUpload(id: string): Promise<void> {
    const files = tusUploadFiles(config.video_dir, id);
    await rm(files.data, { force: true });
    await rm(files.info, { force: true });
  }

  async function sweepOrphans(signal: AbortSignal): Promise<number> {
    const dir = tusStoreDir(config.video_dir);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const ids = [...new Set(names.slice(0, maxScan).map((n) => n.replace(/\.json$/, '')))].filter((id) => UPLOAD_ID.test(id));
    let removed = 0;
    for (const id of ids) {
      if (signal.aborted) break;
      if (await findUpload(db.kysely, id)) continue;
      const files = tusUploadFiles(config.video_dir, id);
      const mtimes = await Promise.all(
        [files.data, files.info].map((f) => stat(f).then((s) => s.mtimeMs, () => null)),
      );
      const newest = Math.max(...mtimes.map((m) => m ?? 0));
      if (now() - newest < orphanAgeMs) continue;
      await removeUpload(id);
      removed++;
    }
    return removed;
  }

  return {
    name: JOB,
    async run(signal: AbortSignal): Promise<JobRunSummary> {
      const counts = { purged: 0, failed: 0 };
      // Statements of `batch` rows until a source runs dry; a failure leaves the rest to the next run.
      const drain = async (source: () => Promise<TusUpload[]>) => {
        for (let i = 0; i < MAX_STATEMENTS_PER_RUN && !signal.aborted; i++) {
          const rows = await source();
          const failedBefore = counts.failed;
          for (const row of rows) {
            if (signal.aborted) break;
            try {
              await removeUpload(row.id);
              await deleteUpload(db.kysely, row.id);
              counts.purged++;
            } catch (err) {
              counts.failed++;
              log.warn({ upload_id: row.id, err }, 'expired upload not removed, retried next run');
            }
          }
          if (rows.length < batch || counts.failed > failedBefore) return;
        }
      };
      await drain(() => listExpiredUploads(db.kysely, now() - graceMs, batch));
      // Unfinished uploads into a deleted video: their bytes can never be used.
      await drain(() => listUploadsOfDeletedVideos(db.kysely, now() - graceMs, batch));
      const { purged, failed } = counts;
      const orphans = signal.aborted ? 0 : await sweepOrphans(signal);
      purgeRuns.inc({ job: JOB });
      if (purged + orphans > 0) {
        purgeRecords.inc({ job: JOB, outcome: 'purged' }, purged + orphans);
        log.info({ purged, orphans, dir: path.basename(tusStoreDir(config.video_dir)) }, 'expired uploads deleted');
      }
      if (failed > 0) purgeRecords.inc({ job: JOB, outcome: 'failed' }, failed);
      return { counts: { purged, orphans, failed } };
    },
  };
}

export const expiredUploadsJob: JobDefinition = {
  name: JOB,
  // Uploads live for a day; a sweep a minute is plenty and costs one indexed query.
  intervalSeconds: (config) => Math.max(60, config.scheduler_interval_seconds),
  create: (ctx) => createExpiredUploadsJob(ctx),
};
