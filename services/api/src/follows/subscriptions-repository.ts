import { keysetPage, type Executor, type PageQuery } from '@video/shared';
import { withProcessing, type VideoWithAuthor } from '../videos/videos-repository.js';

/** Public, live videos that have a file, with their author's name. */
function listed(db: Executor) {
  return db
    .selectFrom('video_info as v')
    .innerJoin('users as u', 'u.id', 'v.author_id')
    .selectAll('v')
    .select('u.user_name as author')
    .where('v.privacy', '=', 'public')
    .where('v.upload_state', '=', 'ready')
    .where('v.deleted_at', 'is', null);
}

/**
 * One page of the subscription feed: the listed videos of everyone `followerId` follows, newest
 * first. The authors come from the follows primary key; each author's videos are one range of
 * idx_video_author_time, walked newest first.
 */
export function feedQuery(db: Executor, followerId: number, page: PageQuery) {
  let q = listed(db).where('v.author_id', 'in', db.selectFrom('follows').select('followee_id').where('follower_id', '=', followerId));
  // The keyset's OR alone does not bound the index range on SQLite: this seeks to the cursor.
  if (page.before) q = q.where('v.create_time', '<=', page.before.time);
  return withProcessing(keysetPage(q, 'v.create_time', 'v.id', page));
}

export async function listFeedVideos(db: Executor, followerId: number, page: PageQuery): Promise<VideoWithAuthor[]> {
  return feedQuery(db, followerId, page).execute();
}

/** A channel's newest listed videos (its RSS feed). */
export async function listNewestListed(db: Executor, authorId: number, limit: number): Promise<VideoWithAuthor[]> {
  return withProcessing(keysetPage(listed(db).where('v.author_id', '=', authorId), 'v.create_time', 'v.id', { limit })).execute();
}
