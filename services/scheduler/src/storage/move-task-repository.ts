import type { Kysely } from 'kysely';
import { PROCESS_TASK, type Database, type DialectName, type Executor } from '@video/shared';
import { inTransaction } from '../purge/purge-repository.js';
import { claimTasksOf, videoIsLive, type ClaimTasksOptions } from '../tasks/task-claims.js';

/** The task that uploads a processed video to the bucket, verifies it and drops the local copy. */
export const MOVE_TASK = 'move';

/** A claimed move. Its `seq` is the processing task's seq it was queued for: the upload it moves. */
export interface ClaimedMove {
  video_id: string;
  seq: number;
  attempts: number;
}

export interface MoveClaim {
  videoId: string;
  seq: number;
  owner: string;
}

/**
 * Queues the move of the file the processing task `seq` finished (inside the transaction that
 * installs it): a fresh row, or the existing one reset for this seq.
 */
export async function queueMove(db: Executor, videoId: string, seq: number, now: number): Promise<void> {
  const values = { state: 'queued' as const, seq, attempts: 0, next_attempt_at: now, claimed_by: null, claimed_until: 0, progress: 0, last_error: null, updated_at: now };
  // Insert first, as queueProcessing does (an UPDATE of a missing row takes a gap lock on MySQL).
  const inserted = await db
    .insertInto('video_tasks')
    .values({ video_id: videoId, kind: MOVE_TASK, ...values, created_at: now })
    .ignore()
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return;
  await db.updateTable('video_tasks').set(values).where('video_id', '=', videoId).where('kind', '=', MOVE_TASK).execute();
}

/** Claims due moves as the media job claims its tasks (tasks/task-claims.ts). */
export function claimMoves(db: Kysely<Database>, dialect: DialectName, o: ClaimTasksOptions): Promise<ClaimedMove[]> {
  return claimTasksOf(db, dialect, MOVE_TASK, o);
}

function heldMove(db: Executor, claim: MoveClaim) {
  return db
    .updateTable('video_tasks')
    .where('video_id', '=', claim.videoId)
    .where('kind', '=', MOVE_TASK)
    .where('claimed_by', '=', claim.owner)
    .where('seq', '=', claim.seq)
    .where('state', '=', 'running');
}

/** Extends the lease; false when the move is no longer this run's (re-queued, purged, video deleted). */
export async function beatMove(db: Executor, claim: MoveClaim, o: { now: number; until: number }): Promise<boolean> {
  const r = await heldMove(db, claim).set({ claimed_until: o.until, updated_at: o.now }).where(videoIsLive).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The facts the move decides on: the live row and the processing task it must still match. */
export async function moveSubject(db: Executor, videoId: string) {
  return db
    .selectFrom('video_info as v')
    .innerJoin('video_tasks as t', (j) => j.onRef('t.video_id', '=', 'v.id').on('t.kind', '=', PROCESS_TASK))
    .select(['v.id', 'v.media_gen', 'v.content_type', 'v.storage', 'v.upload_state', 't.seq', 't.state'])
    .where('v.id', '=', videoId)
    .where('v.deleted_at', 'is', null)
    .executeTakeFirst();
}

class Lost extends Error {}

/**
 * Records the video as in the bucket, in one transaction that re-checks everything the upload
 * relied on: the move still held, the processing task still at the same seq and done (no new
 * upload or reprocess since), the video live and still naming `gen`. False when any of it moved on.
 */
export async function recordMoved(db: Kysely<Database>, claim: MoveClaim, gen: string | null, now: number): Promise<boolean> {
  try {
    return await inTransaction(db, async (trx) => {
      const subject = await moveSubject(trx, claim.videoId);
      if (!subject || Number(subject.seq) !== claim.seq || subject.state !== 'done' || subject.media_gen !== gen) throw new Lost();
      const task = await heldMove(trx, claim)
        .set({ state: 'done', progress: 100, claimed_by: null, claimed_until: 0, last_error: null, updated_at: now })
        .executeTakeFirst();
      if (Number(task.numUpdatedRows) === 0) throw new Lost();
      await trx.updateTable('video_info').set({ storage: 's3' }).where('id', '=', claim.videoId).where('deleted_at', 'is', null).execute();
      return true;
    });
  } catch (err) {
    if (err instanceof Lost) return false;
    throw err;
  }
}

/** Ends a move with nothing to do (its upload superseded): done, no lease. */
export async function dropMove(db: Executor, claim: MoveClaim, why: string, now: number): Promise<void> {
  await heldMove(db, claim).set({ state: 'done', claimed_by: null, claimed_until: 0, last_error: why.slice(0, 500), updated_at: now }).execute();
}

/** A failed attempt: queued again at `retryAt`, or failed for good (the video keeps serving from video_dir). */
export async function failMove(db: Executor, claim: MoveClaim, o: { error: string; retryAt: number | null; now: number }): Promise<boolean> {
  const r = await heldMove(db, claim)
    .set((eb) => ({
      state: o.retryAt === null ? 'failed' : 'queued',
      attempts: eb('attempts', '+', 1),
      next_attempt_at: o.retryAt ?? o.now,
      last_error: o.error.slice(0, 500),
      claimed_by: null,
      claimed_until: 0,
      updated_at: o.now,
    }))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Gives this owner's running moves back (on stop). */
export async function releaseMoves(db: Executor, owner: string): Promise<number> {
  const r = await db
    .updateTable('video_tasks')
    .set({ state: 'queued', claimed_by: null, claimed_until: 0 })
    .where('kind', '=', MOVE_TASK)
    .where('claimed_by', '=', owner)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
