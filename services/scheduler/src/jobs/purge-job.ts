import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { purgeRecords, purgeRuns } from '@video/shared';
import {
  claimDueRecords,
  deletePurgedRows,
  markAttemptFailed,
  releaseClaims,
  VIDEO_CHILD_TABLES,
  type ClaimedRecord,
} from '../repositories/purge-repository.js';
import { runPipeline } from '../taskrunner/pipeline.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from './job.js';

/** The only ids ever turned into a path: no separators, no dots, so never outside video_dir. */
export const SAFE_VIDEO_ID = /^[A-Za-z0-9_-]{1,64}$/;

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

/**
 * Purges soft-deleted videos. The dispatcher claims due records (scheduler_batch at a time, again
 * while batches come back full) into a bounded channel; the executor takes chunks, removes each
 * file, then deletes the rows of the ones whose file is gone, record last. A crash at any point
 * leaves the record, so the next run (here or on another instance, once the lease ends) redoes it.
 */
export function createPurgeJob(ctx: JobContext, options: PurgeOptions = {}): Job & { owner: string } {
  const { db, log, config } = ctx;
  const owner = options.owner ?? defaultOwner();
  const leaseMs = options.leaseMs ?? leaseFor(config.scheduler_interval_seconds);
  const chunkSize = options.chunkSize ?? 25;
  const concurrency = options.concurrency ?? 4;
  const maxRecords = options.maxRecordsPerRun ?? 100_000;
  const baseMs = options.backoffBaseMs ?? 5_000;
  const capMs = options.backoffCapMs ?? 3_600_000;
  const unlinkFile = options.unlinkFile ?? unlink;
  const now = options.now ?? Date.now;
  const videoDir = path.resolve(config.video_dir);
  // Strictly increasing lease ends: two claims in one millisecond must not read back each other's rows.
  let lastUntil = 0;
  const nextLeaseEnd = () => (lastUntil = Math.max(now() + leaseMs, lastUntil + 1));

  async function failRecord(rec: ClaimedRecord, error: unknown, counts: Record<string, number>): Promise<void> {
    const attempts = rec.attempts + 1;
    const message = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
    const retryIn = backoffMs(attempts, baseMs, capMs);
    await markAttemptFailed(db.kysely, rec.video_id, { owner, nextAttemptAt: now() + retryIn, error: message });
    counts.failed++;
    log.warn({ video_id: rec.video_id, attempts, retry_in_ms: retryIn, err: message }, 'purge failed, record kept for retry');
  }

  async function purgeChunk(chunk: ClaimedRecord[], signal: AbortSignal, extraTables: readonly string[], counts: Record<string, number>) {
    if (signal.aborted) {
      // Stopping: hand the claims back rather than start on them.
      counts.released += await releaseClaims(db.kysely, owner, chunk.map((r) => r.video_id));
      return;
    }
    const gone: string[] = [];
    await Promise.all(
      chunk.map(async (rec) => {
        try {
          if (!SAFE_VIDEO_ID.test(rec.video_id)) throw new Error('video id is not a safe file name; not touching the disk');
          await removeFile(unlinkFile, path.join(videoDir, rec.video_id));
          gone.push(rec.video_id);
        } catch (err) {
          await failRecord(rec, err, counts);
        }
      }),
    );
    const purged = await deletePurgedRows(db.kysely, db.dialect, gone, { owner, now: now(), leaseMs, extraTables });
    counts.purged += purged.length;
    counts.lost += gone.length - purged.length;
    if (purged.length > 0) options.onPurged?.(purged);
  }

  return {
    name: 'purge',
    owner,
    async close() {
      const released = await releaseClaims(db.kysely, owner);
      if (released > 0) log.info({ released }, 'released purge claims on stop');
    },
    async run(signal: AbortSignal): Promise<JobRunSummary> {
      const started = now();
      const counts = { claimed: 0, purged: 0, failed: 0, released: 0, lost: 0, errors: 0 };
      const extraTables = VIDEO_CHILD_TABLES;
      const result = await runPipeline<ClaimedRecord[]>({
        // Room for a whole batch and for every lane twice over, so the next claim overlaps the
        // executor's work instead of waiting for it; records wait here well within their lease.
        capacity: Math.max(2 * concurrency, Math.ceil(config.scheduler_batch / chunkSize)),
        concurrency,
        dispatch: async (send) => {
          while (!signal.aborted && counts.claimed < maxRecords) {
            const batch = await claimDueRecords(db.kysely, db.dialect, {
              owner,
              now: now(),
              until: nextLeaseEnd(),
              limit: Math.min(config.scheduler_batch, maxRecords - counts.claimed),
            });
            counts.claimed += batch.length;
            for (let i = 0; i < batch.length; i += chunkSize) await send(batch.slice(i, i + chunkSize));
            if (batch.length < config.scheduler_batch) break;
          }
        },
        task: (chunk) => purgeChunk(chunk, signal, extraTables, counts),
      });
      // A chunk whose database step failed keeps its claims until the lease ends; give them back now.
      for (const f of result.failures) {
        counts.errors += f.item.length;
        log.error({ err: f.error, records: f.item.length }, 'purge chunk failed; claims released for the next run');
        await releaseClaims(db.kysely, owner, f.item.map((r) => r.video_id)).catch(() => undefined);
      }
      if (result.dispatchError) {
        log.error({ err: result.dispatchError }, 'claiming purge records failed');
        throw result.dispatchError;
      }
      purgeRuns.inc({ job: 'purge' });
      for (const outcome of ['claimed', 'purged', 'failed', 'released'] as const) {
        if (counts[outcome] > 0) purgeRecords.inc({ job: 'purge', outcome }, counts[outcome]);
      }
      if (counts.errors > 0) purgeRecords.inc({ job: 'purge', outcome: 'error' }, counts.errors);
      // The logger is the job's child (it carries `job`). A run that found nothing is an idle tick:
      // debug, so the log shows work done, not a line every interval.
      const busy = Object.values(counts).some((n) => n > 0);
      log[busy ? 'info' : 'debug']({ ...counts, ms: now() - started }, 'purge run finished');
      return { counts };
    },
  };
}

export const purgeJob: JobDefinition = {
  name: 'purge',
  intervalSeconds: (config) => config.scheduler_interval_seconds,
  create: (ctx) => createPurgeJob(ctx),
};
