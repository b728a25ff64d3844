import type { TaskState } from '../schema.js';
import type { Executor } from './executor.js';

/** The one kind of task so far: probe, poster, thumbnail, storyboard and the HLS ladder. */
export const PROCESS_TASK = 'process';

/**
 * Queues (or re-queues) the processing of a video's current file: a fresh task, or the existing
 * row reset to queued with its attempts cleared, its lease dropped and `seq` bumped, so a run still
 * busy with the previous file cannot install what it made. Call inside the transaction that
 * records the file, so a stored file always has its task.
 */
export async function queueProcessing(db: Executor, videoId: string, now: number): Promise<void> {
  // The insert comes first: an UPDATE of a row that does not exist yet takes a gap lock on MySQL,
  // and two transactions that queue different new videos (UUIDv7 ids share the last gap) would
  // then deadlock on each other's inserts. Re-queues of one video are serialised by the caller's
  // lock on its video_info row.
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await db
      .insertInto('video_tasks')
      .values({
        video_id: videoId,
        kind: PROCESS_TASK,
        state: 'queued',
        seq: 1,
        attempts: 0,
        next_attempt_at: now,
        claimed_until: 0,
        progress: 0,
        created_at: now,
        updated_at: now,
      })
      .ignore()
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return;
    const updated = await db
      .updateTable('video_tasks')
      .set((eb) => ({
        state: 'queued',
        seq: eb('seq', '+', 1),
        attempts: 0,
        next_attempt_at: now,
        claimed_by: null,
        claimed_until: 0,
        progress: 0,
        last_error: null,
        updated_at: now,
      }))
      .where('video_id', '=', videoId)
      .where('kind', '=', PROCESS_TASK)
      .executeTakeFirst();
    // The row was there: reset. Otherwise it went away in between and the second round inserts it.
    if (Number(updated.numUpdatedRows) > 0) return;
  }
}

/** A video's processing as VideoInfo shows it; null before any file. */
export interface ProcessingInfo {
  state: TaskState;
  progress: number;
  error: string | null;
}

export async function findProcessing(db: Executor, videoId: string): Promise<ProcessingInfo | null> {
  const row = await db
    .selectFrom('video_tasks')
    .select(['state', 'progress', 'last_error'])
    .where('video_id', '=', videoId)
    .where('kind', '=', PROCESS_TASK)
    .executeTakeFirst();
  return row ? processingInfo(row) : null;
}

/** The VideoInfo shape of a task row (state, progress, last_error). */
export function processingInfo(row: { state: TaskState; progress: number | string; last_error: string | null }): ProcessingInfo {
  return {
    state: row.state,
    progress: row.state === 'done' ? 100 : Math.max(0, Math.min(100, Number(row.progress))),
    error: row.state === 'failed' ? (row.last_error ?? 'processing failed') : null,
  };
}
