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
 * The tags a video is matched by: normalised, one row each. Only rows that change are touched, each
 * by its whole key, so concurrent edits of different videos take no gap locks on MySQL.
 */
export async function replaceVideoTags(db: Executor, videoId: string, tags: readonly string[]): Promise<void> {
  const wanted = new Set(tags.map((t) => normalizeForSearch(t).slice(0, 96)));
  const existing = (await db.selectFrom('video_tags').select('tag').where('video_id', '=', videoId).execute()).map((r) => r.tag);
  const gone = existing.filter((t) => !wanted.has(t));
  const added = [...wanted].filter((t) => !existing.includes(t));
  if (gone.length > 0) await db.deleteFrom('video_tags').where('video_id', '=', videoId).where('tag', 'in', gone).execute();
  if (added.length > 0) await db.insertInto('video_tags').values(added.map((tag) => ({ video_id: videoId, tag }))).execute();
}
