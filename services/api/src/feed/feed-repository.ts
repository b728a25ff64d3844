import { sql, type ExpressionBuilder } from 'kysely';
import { authorNotBanned, keysetPage, listedVideoSql, type Database, type Executor, type PageQuery, type Video, type VideoInfoTable } from '@video/shared';
import { withProcessing, type VideoRow, type VideoWithAuthor } from '../videos/videos-repository.js';

export type FeedSort = 'recent' | 'hot' | 'views' | 'likes';
export type { VideoWithAuthor };

/** The key each sort pages on, with the id as the tie-break (one index each, migration 007). */
export const SORT_KEY: Record<FeedSort, 'create_time' | 'hot' | 'views' | 'likes'> = {
  recent: 'create_time',
  hot: 'hot',
  views: 'views',
  likes: 'likes',
};

/** Public, live videos that have a file: what feeds, search and related lists may show. */
function listedVideos(db: Executor) {
  return db
    .selectFrom('video_info as v')
    .selectAll('v')
    .select(authorName)
    .where(listedVideoSql());
}

function authorName(eb: ExpressionBuilder<Database & { v: VideoInfoTable }, 'v'>) {
  return eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'v.author_id').$asScalar().$notNull().as('author');
}

/** One page of the public feed in the given order (keyset on the sort key, then id). */
export async function listPublicVideos(db: Executor, sort: FeedSort, page: PageQuery): Promise<VideoWithAuthor[]> {
  return withProcessing(keysetPage(listedVideos(db), `v.${SORT_KEY[sort]}`, 'v.id', page)).execute();
}

/**
 * Listed videos by id, in the order given (search hits, related candidates). The only condition
 * the planner sees is the ids, so it looks each up by key on both databases; whether the video is
 * listed is selected and checked here. Given the listed conditions, SQLite without statistics
 * walked a list index over every listed video instead (2 ms against 0.3 ms for a page at 10,000).
 */
export async function listedVideosByIds(db: Executor, ids: string[]): Promise<VideoWithAuthor[]> {
  if (ids.length === 0) return [];
  const rows = await withProcessing(
    db
      .selectFrom('video_info as v')
      .selectAll('v')
      .select((eb) => [authorName(eb), sql<number | boolean>`(case when ${listedVideoSql()} then 1 else 0 end)`.as('listed')])
      .where('v.id', 'in', ids),
  ).execute();
  const byId = new Map(rows.filter((r) => Number(r.listed) === 1).map(({ listed: _l, ...r }) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A user's videos for a channel or a studio: all of them for the owner, else the listed ones. */
export async function listChannelVideos(db: Executor, authorId: number, owner: boolean, page: PageQuery): Promise<VideoRow[]> {
  let q = db
    .selectFrom('video_info as v')
    .selectAll('v')
    .where('v.author_id', '=', authorId)
    .where('v.deleted_at', 'is', null)
    .where(authorNotBanned('v.author_id'));
  if (!owner) q = q.where(listedVideoSql());
  return withProcessing(keysetPage(q, 'v.create_time', 'v.id', page)).execute();
}

/** How many videos a channel shows to everyone. */
export async function countListedVideos(db: Executor, authorId: number): Promise<number> {
  const row = await db
    .selectFrom('video_info')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('author_id', '=', authorId)
    .where(listedVideoSql('video_info'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Related videos: candidates that share tags (most shared first), then `byTitle` (those sharing
 * title words, found by the search index), then the same author's, then the hot list to fill up;
 * never the video itself, each once.
 */
export async function listRelated(db: Executor, video: Video, limit: number, byTitle: readonly string[] = []): Promise<VideoWithAuthor[]> {
  const byTags = await db
    .selectFrom('video_tags as mine')
    .innerJoin('video_tags as other', 'other.tag', 'mine.tag')
    .innerJoin('video_info as v', 'v.id', 'other.video_id')
    .select(['other.video_id as id', sql<number>`count(*)`.as('shared')])
    .where('mine.video_id', '=', video.id)
    .where('other.video_id', '<>', video.id)
    .where(listedVideoSql())
    .groupBy('other.video_id')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('other.video_id', 'desc')
    .limit(limit)
    .execute();
  const ids = new Set(byTags.map((r) => r.id));
  for (const id of byTitle) if (ids.size < limit && id !== video.id) ids.add(id);
  if (ids.size < limit) {
    const sameAuthor = await listedVideos(db).where('v.author_id', '=', video.author_id).where('v.id', '<>', video.id).orderBy('v.hot', 'desc').limit(limit).execute();
    for (const v of sameAuthor) if (ids.size < limit) ids.add(v.id);
  }
  if (ids.size < limit) {
    const hot = await listedVideos(db).where('v.id', '<>', video.id).orderBy('v.hot', 'desc').orderBy('v.id', 'desc').limit(limit + ids.size).execute();
    for (const v of hot) if (ids.size < limit) ids.add(v.id);
  }
  return listedVideosByIds(db, [...ids]);
}
