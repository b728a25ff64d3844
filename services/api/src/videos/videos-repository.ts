import { keysetPage, normalizeForSearch, type Executor, type PageQuery, type Video } from '@video/shared';

/**
 * A user's live videos by user name, newest first, one keyset page, in one statement: the owner
 * check rides along as a join (`onlyPublic` for anyone but the owner), so callers tell "empty" from "no such user" only when a page is empty.
 */
export async function listLiveVideosByUserName(db: Executor, userName: string, page: PageQuery, onlyPublic: boolean): Promise<Video[]> {
  let q = db
    .selectFrom('users')
    .innerJoin('video_info as v', 'v.author_id', 'users.id')
    .selectAll('v')
    .where('users.user_name', '=', userName)
    .where('v.deleted_at', 'is', null);
  if (onlyPublic) q = q.where('v.privacy', '=', 'public');
  return keysetPage(q, 'v.create_time', 'v.id', page).execute();
}

/** A live video and its owner's name. */
export async function findLiveVideoWithAuthor(db: Executor, id: string): Promise<(Video & { author: string }) | undefined> {
  return db
    .selectFrom('video_info as v')
    .innerJoin('users as u', 'u.id', 'v.author_id')
    .selectAll('v')
    .select('u.user_name as author')
    .where('v.id', '=', id)
    .where('v.deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The tags a video is matched by: normalised, one row each, replaced as a whole. A video created in
 * this transaction (`isNew`) has none to delete, and the DELETE's gap lock would deadlock concurrent
 * creates on MySQL.
 */
export async function replaceVideoTags(db: Executor, videoId: string, tags: readonly string[], isNew = false): Promise<void> {
  if (!isNew) await db.deleteFrom('video_tags').where('video_id', '=', videoId).execute();
  const rows = [...new Set(tags.map((t) => normalizeForSearch(t).slice(0, 96)))].map((tag) => ({ video_id: videoId, tag }));
  if (rows.length > 0) await db.insertInto('video_tags').values(rows).execute();
}
