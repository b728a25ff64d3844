import type { Kysely } from 'kysely';
import { PROCESS_TASK, type Database, type DialectName, type Executor } from '@video/shared';
import { inTransaction } from '../purge/purge-repository.js';
import { claimTasksOf, videoIsLive, type ClaimedTask, type ClaimTasksOptions } from '../tasks/task-claims.js';

/** A task and the run holding it: every write below applies only while both still match. */
export interface TaskClaim {
  videoId: string;
  seq: number;
  owner: string;
}

export type { ClaimedTask, ClaimTasksOptions } from '../tasks/task-claims.js';

/** Claims up to `limit` due processing tasks for `owner` (tasks/task-claims.ts); their progress starts at 0. */
export function claimTasks(db: Kysely<Database>, dialect: DialectName, o: ClaimTasksOptions): Promise<ClaimedTask[]> {
  return claimTasksOf(db, dialect, PROCESS_TASK, o, { progress: 0 });
}

/** The task row as long as `claim` still holds it (same owner, same seq, running). */
function heldTask(db: Executor, claim: TaskClaim) {
  return db
    .updateTable('video_tasks')
    .where('video_id', '=', claim.videoId)
    .where('kind', '=', PROCESS_TASK)
    .where('claimed_by', '=', claim.owner)
    .where('seq', '=', claim.seq)
    .where('state', '=', 'running');
}

/**
 * Reports progress and extends the lease. False when the task is no longer this run's: re-queued
 * by a new file (seq moved on), removed by the purge, or its video deleted. The run then stops.
 */
export async function heartbeat(db: Executor, claim: TaskClaim, o: { progress: number; now: number; until: number }): Promise<boolean> {
  const progress = Math.max(0, Math.min(99, Math.floor(o.progress)));
  const r = await heldTask(db, claim)
    .set({ progress, claimed_until: o.until, updated_at: o.now })
    .where(videoIsLive)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Names an early generation holding only the poster and thumbnail, seconds after the upload, while
 * the task is still this run's — and only for a video that has no generation yet, so a re-upload's
 * old renditions keep serving until the new set is complete. True when it was installed.
 */
export async function installPreview(db: Kysely<Database>, claim: TaskClaim, v: Omit<InstallValues, 'size'>): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const task = await heldTask(trx, claim).set({ updated_at: v.now }).where(videoIsLive).executeTakeFirst();
    if (Number(task.numUpdatedRows) === 0) return false;
    const video = await trx
      .updateTable('video_info')
      .set(generationColumns(claim, v))
      .where('id', '=', claim.videoId)
      .where('deleted_at', 'is', null)
      .where('media_gen', 'is', null)
      .executeTakeFirst();
    return Number(video.numUpdatedRows) > 0;
  });
}

/** What a finished run installs on the video. */
export interface InstallValues {
  gen: string;
  duration: number;
  width: number | null;
  height: number | null;
  /** The original's new size when a remux replaced it. */
  size?: number;
  now: number;
}

class LostClaim extends Error {}

/** The video's columns that name a generation: the folder, its poster URL and the probed facts. */
function generationColumns(claim: TaskClaim, v: Omit<InstallValues, 'size'>) {
  return {
    media_gen: v.gen,
    poster: `/videos/${claim.videoId}/poster.jpg?g=${v.gen}`,
    duration: v.duration,
    width: v.width,
    height: v.height,
    updated_at: v.now,
  };
}

/**
 * Installs a finished generation in one transaction: the task must still be held by `claim` and
 * its video live, else nothing changes and the answer is false. Then video_info names the new
 * generation (media_gen, poster, probe values) and the task is done at 100 with no lease.
 */
export async function installGeneration(
  db: Kysely<Database>,
  claim: TaskClaim,
  v: InstallValues,
  /** More writes of the same transaction (storage_type s3 queues the move into the bucket). */
  also?: (trx: Executor) => Promise<void>,
): Promise<boolean> {
  try {
    return await inTransaction(db, async (trx) => {
      const task = await heldTask(trx, claim)
        .set({ state: 'done', progress: 100, claimed_by: null, claimed_until: 0, last_error: null, updated_at: v.now })
        .where(videoIsLive)
        .executeTakeFirst();
      if (Number(task.numUpdatedRows) === 0) throw new LostClaim();
      const video = await trx
        .updateTable('video_info')
        .set({ ...generationColumns(claim, v), ...(v.size === undefined ? {} : { size: v.size }) })
        .where('id', '=', claim.videoId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (Number(video.numUpdatedRows) === 0) throw new LostClaim();
      await also?.(trx);
      return true;
    });
  } catch (err) {
    if (err instanceof LostClaim) return false;
    throw err;
  }
}

/** Counts a failed attempt: back to queued after `retryAt`, or failed for good (retryAt null) with the reason. */
export async function failTask(db: Executor, claim: TaskClaim, o: { error: string; retryAt: number | null; now: number }): Promise<boolean> {
  const r = await heldTask(db, claim)
    .set((eb) => ({
      state: o.retryAt === null ? 'failed' : 'queued',
      attempts: eb('attempts', '+', 1),
      next_attempt_at: o.retryAt ?? o.now,
      last_error: o.error.slice(0, 500),
      progress: 0,
      claimed_by: null,
      claimed_until: 0,
      updated_at: o.now,
    }))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Gives running tasks back as queued, same seq (all of `owner`'s, or one), so the next run takes them at once. */
export async function releaseTasks(db: Executor, owner: string, claim?: TaskClaim): Promise<number> {
  let q = db
    .updateTable('video_tasks')
    .set({ state: 'queued', progress: 0, claimed_by: null, claimed_until: 0 })
    .where('kind', '=', PROCESS_TASK)
    .where('claimed_by', '=', owner)
    .where('state', '=', 'running');
  if (claim) q = q.where('video_id', '=', claim.videoId).where('seq', '=', claim.seq);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
