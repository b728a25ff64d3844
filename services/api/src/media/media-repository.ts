import { PROCESS_TASK, type Executor, type TaskState, type Video } from '@video/shared';

/**
 * Locks a live video of `authorId` for the rest of the transaction by touching its row (an edit
 * of what belongs to it: captions, processing). The write comes first, so SQLite takes its write
 * lock at once and InnoDB holds the row, serialising concurrent changes to one video and a
 * concurrent delete. Undefined when there is no such video of theirs.
 */
export async function lockOwnVideo(trx: Executor, videoId: string, authorId: number, now: number): Promise<Pick<Video, 'upload_state'> | undefined> {
  const r = await trx
    .updateTable('video_info')
    .set({ updated_at: now })
    .where('id', '=', videoId)
    .where('author_id', '=', authorId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return undefined;
  return trx.selectFrom('video_info').select('upload_state').where('id', '=', videoId).executeTakeFirst();
}

export async function findTaskState(db: Executor, videoId: string): Promise<TaskState | undefined> {
  const row = await db.selectFrom('video_tasks').select('state').where('video_id', '=', videoId).where('kind', '=', PROCESS_TASK).executeTakeFirst();
  return row?.state;
}

export interface CaptionRow {
  video_id: string;
  lang: string;
  vtt: string;
  etag: string;
  updated_at: number;
}

/**
 * Stores a track, replacing the one of that language: 'replaced' or 'created'. Update, else
 * insert-or-ignore, else update again (a writer that inserted in between): right on both
 * databases without a dialect's own upsert, whose affected-row counts differ.
 */
export async function putCaption(db: Executor, row: CaptionRow): Promise<'created' | 'replaced'> {
  const { video_id, lang, ...changes } = row;
  const update = async () => {
    const r = await db.updateTable('video_captions').set(changes).where('video_id', '=', video_id).where('lang', '=', lang).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };
  if (await update()) return 'replaced';
  const inserted = await db.insertInto('video_captions').values(row).ignore().executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return 'created';
  await update();
  return 'replaced';
}

export async function deleteCaption(db: Executor, videoId: string, lang: string): Promise<boolean> {
  const r = await db.deleteFrom('video_captions').where('video_id', '=', videoId).where('lang', '=', lang).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A video's caption languages, in byte order of the canonical tags (the same on both databases). */
export async function listCaptionLangs(db: Executor, videoId: string): Promise<string[]> {
  const rows = await db.selectFrom('video_captions').select('lang').where('video_id', '=', videoId).orderBy('lang', 'asc').execute();
  return rows.map((r) => r.lang);
}
