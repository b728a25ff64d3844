import { randomBytes } from 'node:crypto';
import { rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isVideoId, videoMediaDir } from '@video/shared';
import { mediaPrefix, originalKey, type ObjectStore } from '@video/shared/storage';
import { abortMediaRun } from '../media/active-tasks.js';
import { abortMove } from '../storage/active-moves.js';
import {
  claimDueRecords,
  deletePurgedRows,
  markAttemptFailed,
  releaseClaims,
  VIDEO_CHILD_TABLES,
  type ClaimedRecord,
} from './purge-repository.js';
import type { TaskFailure } from '../taskrunner/executor.js';
import { runPipeline } from '../taskrunner/pipeline.js';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';

/** The only ids ever turned into a path: no separators, no dots, so never outside video_dir. */

export interface PurgeOptions {
  /** Names this instance's claims; unique per process. */
  owner?: string;
  /** How long a claim holds before another instance may take it over. */
  leaseMs?: number;
  /** Records per executor task: their files are removed in parallel, their rows in one transaction. */
  chunkSize?: number;
  /** Executor tasks in flight. */
  concurrency?: number;
  /** Claims per run stop after this many records (a run must end so /healthz and logs move on). */
  maxRecordsPerRun?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** File removal; tests count or fail it. */
  unlinkFile?: (file: string) => Promise<void>;
  /** Called with the ids this run purged (tests count them). */
  onPurged?: (ids: string[]) => void;
  now?: () => number;
}

export function defaultOwner(): string {
  return `${os.hostname().slice(0, 32)}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Back-off after `attempts` failures: base·2^(attempts−1), capped. */
export function backoffMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

/** The lease: long enough to outlast any run's hold on a record, short enough that a dead instance's work resumes soon. */
export function leaseFor(intervalSeconds: number): number {
  return Math.min(120_000, Math.max(10_000, intervalSeconds * 5_000));
}

async function removeFile(unlinkFile: (file: string) => Promise<void>, file: string): Promise<void> {
  try {
    await unlinkFile(file);
  } catch (err) {
    // A file that is already gone is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** A purged video's objects: its original and every generation; none there is fine. */
async function removeObjects(store: ObjectStore, id: string): Promise<void> {
  abortMove(id, 'the video is being purged');
  await store.deleteKeys([originalKey(id), ...(await store.list(mediaPrefix(id)))]);
}

type PurgeCounts = { claimed: number; purged: number; failed: number; released: number; lost: number; errors: number };

/** Everything one purge job works with: its context and its options with their defaults filled in. */
interface Purger {
  db: JobContext['db'];
  log: JobContext['log'];
  batch: number;
  owner: string;
  leaseMs: number;
  chunkSize: number;
  concurrency: number;
  maxRecords: number;
  baseMs: number;
  capMs: number;
  unlinkFile: (file: string) => Promise<void>;
  onPurged?: (ids: string[]) => void;
  now: () => number;
  videoDir: string;
  nextLeaseEnd: () => number;
  /** The bucket (storage_type s3): a video's objects go with its files. Loaded on first use. */
  store?: () => Promise<ObjectStore>;
}

function createPurger({ db, log, config }: JobContext, options: PurgeOptions): Purger {
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? leaseFor(config.scheduler_interval_seconds);
  return {
    db,
    log,
    batch: config.scheduler_batch,
    owner: options.owner ?? defaultOwner(),
    leaseMs,
    chunkSize: options.chunkSize ?? 25,
    concurrency: options.concurrency ?? 4,
    maxRecords: options.maxRecordsPerRun ?? 100_000,
    baseMs: options.backoffBaseMs ?? 5_000,
    capMs: options.backoffCapMs ?? 3_600_000,
    unlinkFile: options.unlinkFile ?? unlink,
    onPurged: options.onPurged,
    now,
    videoDir: path.resolve(config.video_dir),
    nextLeaseEnd: leaseClock(now, leaseMs),
    store: config.storage_type === 's3' ? async () => (await import('@video/shared/storage/s3')).objectStore(config) : undefined,
  };
}

/** Strictly increasing lease ends: two claims in one millisecond must not read back each other's rows. */
export function leaseClock(now: () => number, leaseMs: number): () => number {
  let lastUntil = 0;
  return () => (lastUntil = Math.max(now() + leaseMs, lastUntil + 1));
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
}

async function failRecord(p: Purger, rec: ClaimedRecord, error: unknown, counts: PurgeCounts): Promise<void> {
  const attempts = rec.attempts + 1;
  const message = describeError(error);
  const retryIn = backoffMs(attempts, p.baseMs, p.capMs);
  await markAttemptFailed(p.db.kysely, rec.video_id, { owner: p.owner, nextAttemptAt: p.now() + retryIn, error: message });
  counts.failed++;
  p.log.warn({ video_id: rec.video_id, attempts, retry_in_ms: retryIn, err: message }, 'purge failed, record kept for retry');
}

/** Removes each record's file and derived files in parallel; returns the ids whose file is gone, and marks the others failed. */
async function removeChunkFiles(p: Purger, chunk: ClaimedRecord[], counts: PurgeCounts): Promise<string[]> {
  const gone: string[] = [];
  const removeOne = async (rec: ClaimedRecord) => {
    try {
      if (!isVideoId(rec.video_id)) throw new Error('video id is not a safe file name; not touching the disk');
      // A processing run for it here stops first, so nothing writes into the folder being removed.
      abortMediaRun(rec.video_id, 'the video is being purged');
      await removeFile(p.unlinkFile, path.join(p.videoDir, rec.video_id));
      await rm(videoMediaDir(p.videoDir, rec.video_id), { recursive: true, force: true });
      if (p.store) await removeObjects(await p.store(), rec.video_id);
      gone.push(rec.video_id);
    } catch (err) {
      await failRecord(p, rec, err, counts);
    }
  };
  await Promise.all(chunk.map(removeOne));
  return gone;
}

async function purgeChunk(p: Purger, chunk: ClaimedRecord[], signal: AbortSignal, counts: PurgeCounts): Promise<void> {
  if (signal.aborted) {
    // Stopping: hand the claims back rather than start on them.
    counts.released += await releaseClaims(p.db.kysely, p.owner, chunk.map((r) => r.video_id));
    return;
  }
  const gone = await removeChunkFiles(p, chunk, counts);
  const purged = await deletePurgedRows(p.db.kysely, p.db.dialect, gone, {
    owner: p.owner,
    now: p.now(),
    leaseMs: p.leaseMs,
    extraTables: VIDEO_CHILD_TABLES,
  });
  counts.purged += purged.length;
  counts.lost += gone.length - purged.length;
  if (purged.length > 0) p.onPurged?.(purged);
}

/** Claims due records a batch at a time, again while batches come back full, and sends them on in chunks. */
async function dispatchClaims(p: Purger, signal: AbortSignal, counts: PurgeCounts, send: (chunk: ClaimedRecord[]) => Promise<void>) {
  while (!signal.aborted && counts.claimed < p.maxRecords) {
    const batch = await claimDueRecords(p.db.kysely, p.db.dialect, {
      owner: p.owner,
      now: p.now(),
      until: p.nextLeaseEnd(),
      limit: Math.min(p.batch, p.maxRecords - counts.claimed),
    });
    counts.claimed += batch.length;
    for (let i = 0; i < batch.length; i += p.chunkSize) await send(batch.slice(i, i + p.chunkSize));
    if (batch.length < p.batch) break;
  }
}

/** A chunk whose database step failed keeps its claims until the lease ends; give them back now. */
async function releaseFailedChunks(p: Purger, failures: TaskFailure<ClaimedRecord[]>[], counts: PurgeCounts): Promise<void> {
  for (const f of failures) {
    counts.errors += f.item.length;
    p.log.error({ err: f.error, records: f.item.length }, 'purge chunk failed; claims released for the next run');
    await releaseClaims(p.db.kysely, p.owner, f.item.map((r) => r.video_id)).catch(() => undefined);
  }
}

async function runPurge(p: Purger, signal: AbortSignal): Promise<JobRunSummary> {
  const started = p.now();
  const counts: PurgeCounts = { claimed: 0, purged: 0, failed: 0, released: 0, lost: 0, errors: 0 };
  const result = await runPipeline<ClaimedRecord[]>({
    // Room for a whole batch and for every lane twice over, so the next claim overlaps the
    // executor's work instead of waiting for it; records wait here well within their lease.
    capacity: Math.max(2 * p.concurrency, Math.ceil(p.batch / p.chunkSize)),
    concurrency: p.concurrency,
    dispatch: (send) => dispatchClaims(p, signal, counts, send),
    task: (chunk) => purgeChunk(p, chunk, signal, counts),
  });
  await releaseFailedChunks(p, result.failures, counts);
  if (result.dispatchError) {
    p.log.error({ err: result.dispatchError }, 'claiming purge records failed');
    throw result.dispatchError;
  }
  const { claimed, purged, failed, released, errors } = counts;
  countJobRun('purge', { claimed, purged, failed, released, error: errors });
  // The logger is the job's child (it carries `job`). A run that found nothing is an idle tick:
  // debug, so the log shows work done, not a line every interval.
  const busy = Object.values(counts).some((n) => n > 0);
  p.log[busy ? 'info' : 'debug']({ ...counts, ms: p.now() - started }, 'purge run finished');
  return { counts };
}

/**
 * Purges soft-deleted videos. The dispatcher claims due records (scheduler_batch at a time, again
 * while batches come back full) into a bounded channel; the executor takes chunks, removes each
 * file, then deletes the rows of the ones whose file is gone, record last. A crash at any point
 * leaves the record, so the next run (here or on another instance, once the lease ends) redoes it.
 */
export function createPurgeJob(ctx: JobContext, options: PurgeOptions = {}): Job & { owner: string } {
  const p = createPurger(ctx, options);
  return {
    name: 'purge',
    owner: p.owner,
    async close() {
      const released = await releaseClaims(p.db.kysely, p.owner);
      if (released > 0) p.log.info({ released }, 'released purge claims on stop');
    },
    run: (signal: AbortSignal) => runPurge(p, signal),
  };
}

export const purgeJob: JobDefinition = {
  name: 'purge',
  intervalSeconds: (config) => config.scheduler_interval_seconds,
  create: (ctx) => createPurgeJob(ctx),
};
