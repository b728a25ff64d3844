import type { NewTusUpload, TusUpload } from '../schema.js';
import type { Executor } from './executor.js';

export async function insertUpload(db: Executor, upload: NewTusUpload): Promise<void> {
  await db.insertInto('uploads').values(upload).execute();
}

export async function findUpload(db: Executor, id: string): Promise<TusUpload | undefined> {
  return db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user's unfinished, unexpired uploads, oldest first (the per-user cap and its Retry-After). */
export async function listActiveUploadsByUser(db: Executor, userId: number, now: number): Promise<TusUpload[]> {
  return db
    .selectFrom('uploads')
    .selectAll()
    .where('user_id', '=', userId)
    .where('state', '=', 'active')
    .where('expires_at', '>', now)
    .orderBy('expires_at', 'asc')
    .execute();
}

/** Unfinished uploads into one video (a new upload of the video replaces them). */
export async function listActiveUploadsByVideo(db: Executor, videoId: string): Promise<TusUpload[]> {
  return db.selectFrom('uploads').selectAll().where('video_id', '=', videoId).where('state', '=', 'active').execute();
}

/** Marks an upload finished and keeps its row until `keepUntil`; false when it was not active. */
export async function markUploadDone(db: Executor, id: string, keepUntil: number): Promise<boolean> {
  const r = await db
    .updateTable('uploads')
    .set({ state: 'done', expires_at: keepUntil })
    .where('id', '=', id)
    .where('state', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteUpload(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Uploads whose time is up at `now` (unfinished ones and the kept rows of finished ones), oldest first. */
export async function listExpiredUploads(db: Executor, now: number, limit: number): Promise<TusUpload[]> {
  return db
    .selectFrom('uploads')
    .selectAll()
    .where('expires_at', '<=', now)
    .orderBy('expires_at', 'asc')
    .limit(limit)
    .execute();
}

/** Unfinished uploads whose video was deleted before `deletedBefore` (or is gone), oldest first. */
export async function listUploadsOfDeletedVideos(db: Executor, deletedBefore: number, limit: number): Promise<TusUpload[]> {
  return db
    .selectFrom('uploads')
    .leftJoin('video_info', 'video_info.id', 'uploads.video_id')
    .selectAll('uploads')
    .where('uploads.state', '=', 'active')
    .where((eb) => eb.or([eb('video_info.id', 'is', null), eb('video_info.deleted_at', '<=', deletedBefore)]))
    .orderBy('uploads.create_time', 'asc')
    .limit(limit)
    .execute();
}
