import type { NewVideo, Video } from '../schema.js';
import type { Executor } from './executor.js';
import { authorNotBanned } from '../author-visibility.js';
import { queueProcessing } from './video-tasks-repository.js';

export interface PageQuery {
  limit: number;
  /** Keyset position: items strictly older than (time, id). */
  before?: { time: number; id: string };
  /** The original's window in milliseconds: time > fromMs and time <= toMs. */
  fromMs?: number;
  toMs?: number;
}

export async function insertVideo(db: Executor, video: NewVideo): Promise<void> {
  await db.insertInto('video_info').values(video).execute();
}

/** A live video: not soft-deleted, and its author not banned (what every read path may show). */
export async function findLiveVideo(db: Executor, id: string): Promise<Video | undefined> {
  return db
    .selectFrom('video_info')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where(authorNotBanned('video_info.author_id'))
    .executeTakeFirst();
}

/** A video whether or not it is soft-deleted (the scheduler's view). */
export async function findAnyVideo(db: Executor, id: string): Promise<Video | undefined> {
  return db.selectFrom('video_info').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Soft-deletes a live video of this author; false when there is none. Call inside a transaction. */
export async function softDeleteVideo(db: Executor, id: string, authorId: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('video_info')
    .set({ deleted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('author_id', '=', authorId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Soft-deletes a live video whoever owns it (the scheduler's route); false when none. */
export async function softDeleteAnyVideo(db: Executor, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('video_info')
    .set({ deleted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Records a completed upload on a live video and queues its processing, in one transaction (the
 * caller's, or one of its own), so a stored file never lacks its task. False when the video is gone.
 */
export async function markVideoUploaded(
  db: Executor,
  id: string,
  file: { size: number; content_type: string },
  now: number,
): Promise<boolean> {
  const run = async (trx: Executor): Promise<boolean> => {
    const r = await trx
      .updateTable('video_info')
      .set({ upload_state: 'ready', size: file.size, content_type: file.content_type, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await queueProcessing(trx, id, now);
    return true;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Removes the row for good (the scheduler, after the file is gone). */
export async function deleteVideoRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('video_info').where('id', '=', id).execute();
}
