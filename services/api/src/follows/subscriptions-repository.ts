import { sql, type RawBuilder } from 'kysely';
import { listedVideoSql, type Db, type DialectName, type PageQuery } from '@video/shared';
import { listedVideosByIds } from '../feed/feed-repository.js';
import type { VideoWithAuthor } from '../videos/videos-repository.js';

/**
 * Both databases walk the public list's index newest first and keep the rows of followed authors
 * (one primary-key probe of follows each, written as a scalar subquery so that MariaDB cannot turn
 * it into a semi-join that scans the reader's follows per video): a page costs about limit / (the
 * followed share of recent public videos) rows. Left to itself MariaDB starts from the follows
 * instead, reads every video of every followed author and sorts them (100,000 rows for 500
 * channels), or walks the index from its newest end past the cursor; the hint keeps the plan.
 */
const WALK_PUBLIC_LIST: Record<DialectName, RawBuilder<unknown>> = {
  sqlite: sql.raw('indexed by idx_video_public_recent'),
  mysql: sql.raw('force index (idx_video_public_recent)'),
};

/** The ids of one page of the subscription feed: the listed videos of everyone `followerId` follows. */
export function feedIdsQuery(db: Db, followerId: number, page: PageQuery) {
  const b = page.before;
  // The cursor's time bounds the index range; the OR alone would not.
  const after = b ? sql`and v.create_time <= ${b.time} and (v.create_time < ${b.time} or (v.create_time = ${b.time} and v.id < ${b.id}))` : sql``;
  return sql<{ id: string }>`select v.id from video_info as v ${WALK_PUBLIC_LIST[db.dialect]}
    where ${listedVideoSql()}
    and (select 1 from follows as f where f.follower_id = ${followerId} and f.followee_id = v.author_id) = 1
    ${after} order by v.create_time desc, v.id desc limit ${page.limit}`;
}

/** One page of the subscription feed, newest first, as VideoInfo rows. */
export async function listFeedVideos(db: Db, followerId: number, page: PageQuery): Promise<VideoWithAuthor[]> {
  const { rows } = await feedIdsQuery(db, followerId, page).execute(db.kysely);
  return listedVideosByIds(db.kysely, rows.map((r) => r.id));
}
