import { keysetPage, type Executor, type PageQuery, type Video } from '@video/shared';

/**
 * A user's live videos by user name, newest first, one keyset page, in one statement: the owner
 * check rides along as a join, so callers tell "empty" from "no such user" only when a page is empty.
 */
export async function listLiveVideosByUserName(db: Executor, userName: string, page: PageQuery): Promise<Video[]> {
  const q = db
    .selectFrom('users')
    .innerJoin('video_info as v', 'v.author_id', 'users.id')
    .selectAll('v')
    .where('users.user_name', '=', userName)
    .where('v.deleted_at', 'is', null);
  return keysetPage(q, 'v.create_time', 'v.id', page).execute();
}
