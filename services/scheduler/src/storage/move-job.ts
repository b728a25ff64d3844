import path from 'node:path';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';
import { defaultOwner, leaseClock, leaseFor } from '../purge/purge-job.js';
import { trackMove } from './active-moves.js';
import { claimMoves, releaseMoves } from './move-task-repository.js';
import { runMove, type MoveOutcome, type MoveRunContext } from './move-run.js';

export interface MoveJobOptions {
  owner?: string;
  leaseMs?: number;
  heartbeatMs?: number;
  /** The first retry's delay; each later one is four times the one before. */
  retryBaseMs?: number;
  /** Moves one run takes on, one after another. */
  perRun?: number;
  now?: () => number;
  afterVerify?: MoveRunContext['afterVerify'];
}

/**
 * Moves processed videos into the bucket (storage_type s3). A run claims a few due moves (the
 * media job queues one when it installs a generation) and does them in turn; the worker's overlap
 * guard keeps runs apart, the lease keeps other instances off, a stop aborts the run in progress
 * and gives its claims back.
 */
export function createMoveJob(ctx: JobContext, o: MoveJobOptions = {}): Job & { owner: string } {
  const now = o.now ?? Date.now;
  const leaseMs = o.leaseMs ?? leaseFor(ctx.config.scheduler_interval_seconds);
  const m: Omit<MoveRunContext, 'store'> = {
    db: ctx.db,
    log: ctx.log,
    config: ctx.config,
    owner: o.owner ?? defaultOwner(),
    videoDir: path.resolve(ctx.config.video_dir),
    heartbeatMs: o.heartbeatMs ?? Math.min(2_000, Math.floor(leaseMs / 4)),
    retryBaseMs: o.retryBaseMs ?? 30_000,
    now,
    nextLeaseEnd: leaseClock(now, leaseMs),
    afterVerify: o.afterVerify,
  };
  let stopping = false;
  let current: AbortController | undefined;

  const run = async (signal: AbortSignal): Promise<JobRunSummary> => {
    const counts: Record<MoveOutcome | 'claimed', number> = { claimed: 0, moved: 0, stale: 0, retried: 0, failed: 0, lost: 0, released: 0 };
    if (signal.aborted || stopping) return { counts };
    const store = await (await import('@video/shared/storage/s3')).objectStore(ctx.config);
    const tasks = await claimMoves(m.db.kysely, m.db.dialect, { owner: m.owner, now: now(), until: m.nextLeaseEnd(), limit: o.perRun ?? 4 });
    counts.claimed = tasks.length;
    for (const task of tasks) {
      // Stopping: the claims not started yet are given back by close (or the lease).
      if (stopping || signal.aborted) break;
      const controller = (current = new AbortController());
      const onStop = () => controller.abort(signal.reason);
      signal.addEventListener('abort', onStop, { once: true });
      const untrack = trackMove(task.video_id, controller);
      try {
        counts[await runMove({ ...m, store }, task, controller, () => stopping || signal.aborted)]++;
      } finally {
        signal.removeEventListener('abort', onStop);
        untrack();
      }
    }
    countJobRun('move', counts);
    m.log[tasks.length > 0 ? 'info' : 'debug'](counts, 'move run finished');
    return { counts };
  };

  const close = async () => {
    stopping = true;
    current?.abort(new Error('the scheduler is stopping'));
    const released = await releaseMoves(m.db.kysely, m.owner);
    if (released > 0) m.log.info({ released }, 'moves given back on stop');
  };

  return { name: 'move', owner: m.owner, run, close };
}

/** Registered only with storage_type s3. */
export const moveJob: JobDefinition = {
  name: 'move',
  intervalSeconds: (config) => config.scheduler_interval_seconds,
  create: (ctx) => createMoveJob(ctx),
};
