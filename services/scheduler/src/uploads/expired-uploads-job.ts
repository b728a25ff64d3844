import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  deleteUpload,
  findUpload,
  listExpiredUploads,
  listUploadsOfDeletedVideos,
  tusStoreDir,
  tusUploadFiles,
  type TusUpload,
  isUploadId,
} from '@video/shared';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';

const JOB = 'expired-uploads';
/** Upload ids as the stream server makes them; nothing else in the store directory is touched. */

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

/** Everything one expired-uploads job works with: its context and its options with their defaults filled in. */
interface UploadSweeper {
  db: JobContext['db'];
  log: JobContext['log'];
  videoDir: string;
  now: () => number;
  batch: number;
  graceMs: number;
  orphanAgeMs: number;
  maxScan: number;
}

type UploadCounts = { purged: number; failed: number };

function createSweeper({ db, log, config }: JobContext, options: ExpiredUploadsOptions): UploadSweeper {
  return {
    db,
    log,
    videoDir: config.video_dir,
    now: options.now ?? Date.now,
    batch: options.batch ?? Math.max(1, config.scheduler_batch),
    graceMs: options.graceMs ?? 5 * 60_000,
    orphanAgeMs: options.orphanAgeMs ?? 25 * 3600_000,
    maxScan: options.maxScan ?? 10_000,
  };
}

async function removeUploadFiles(videoDir: string, id: string): Promise<void> {
  const files = tusUploadFiles(videoDir, id);
  await rm(files.data, { force: true });
  await rm(files.info, { force: true });
}

/** The upload ids named in the store directory (data and info files alike), at most `maxScan` entries looked at. */
async function storedUploadIds(videoDir: string, maxScan: number): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(tusStoreDir(videoDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return [...new Set(names.slice(0, maxScan).map((n) => n.replace(/\.json$/, '')))].filter(isUploadId);
}

/** When the upload's files were last touched (0 when neither exists). */
async function lastTouched(videoDir: string, id: string): Promise<number> {
  const files = tusUploadFiles(videoDir, id);
  const mtimes = await Promise.all([files.data, files.info].map((f) => stat(f).then((s) => s.mtimeMs, () => null)));
  return Math.max(...mtimes.map((m) => m ?? 0));
}

/** Removes old store files that have no row at all; returns how many uploads went. */
async function sweepOrphans(s: UploadSweeper, signal: AbortSignal): Promise<number> {
  let removed = 0;
  for (const id of await storedUploadIds(s.videoDir, s.maxScan)) {
    if (signal.aborted) break;
    if (await findUpload(s.db.kysely, id)) continue;
    if (s.now() - (await lastTouched(s.videoDir, id)) < s.orphanAgeMs) continue;
    await removeUploadFiles(s.videoDir, id);
    removed++;
  }
  return removed;
}

/** Files first, row last, so a crash in between leaves the row for the next run. */
async function removeUpload(s: UploadSweeper, row: TusUpload, counts: UploadCounts): Promise<void> {
  try {
    await removeUploadFiles(s.videoDir, row.id);
    await deleteUpload(s.db.kysely, row.id);
    counts.purged++;
  } catch (err) {
    counts.failed++;
    s.log.warn({ upload_id: row.id, err }, 'expired upload not removed, retried next run');
  }
}

/** Statements of `batch` rows until a source runs dry; a failure leaves the rest to the next run. */
async function drain(s: UploadSweeper, signal: AbortSignal, counts: UploadCounts, source: () => Promise<TusUpload[]>) {
  for (let i = 0; i < MAX_STATEMENTS_PER_RUN && !signal.aborted; i++) {
    const rows = await source();
    const failedBefore = counts.failed;
    for (const row of rows) {
      if (signal.aborted) break;
      await removeUpload(s, row, counts);
    }
    if (rows.length < s.batch || counts.failed > failedBefore) return;
  }
}

async function runSweep(s: UploadSweeper, signal: AbortSignal): Promise<JobRunSummary> {
  const counts: UploadCounts = { purged: 0, failed: 0 };
  await drain(s, signal, counts, () => listExpiredUploads(s.db.kysely, s.now() - s.graceMs, s.batch));
  // Unfinished uploads into a deleted video: their bytes can never be used.
  await drain(s, signal, counts, () => listUploadsOfDeletedVideos(s.db.kysely, s.now() - s.graceMs, s.batch));
  const { purged, failed } = counts;
  const orphans = signal.aborted ? 0 : await sweepOrphans(s, signal);
  countJobRun(JOB, { purged: purged + orphans, failed });
  if (purged + orphans > 0) {
    s.log.info({ purged, orphans, dir: path.basename(tusStoreDir(s.videoDir)) }, 'expired uploads deleted');
  }
  return { counts: { purged, orphans, failed } };
}

/**
 * Deletes resumable uploads whose 24 hours are up, and unfinished ones whose video was deleted: the
 * partial file and the tus info file first, the row last, so a crash in between leaves the row and
 * the next run finishes the job. Then a bounded sweep removes old files that have no row at all.
 */
export function createExpiredUploadsJob(ctx: JobContext, options: ExpiredUploadsOptions = {}): Job {
  const sweeper = createSweeper(ctx, options);
  return { name: JOB, run: (signal: AbortSignal) => runSweep(sweeper, signal) };
}

export const expiredUploadsJob: JobDefinition = {
  name: JOB,
  // Uploads live for a day; a sweep a minute is plenty and costs one indexed query.
  intervalSeconds: (config) => Math.max(60, config.scheduler_interval_seconds),
  create: (ctx) => createExpiredUploadsJob(ctx),
};
