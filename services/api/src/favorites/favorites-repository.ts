import { sql } from 'kysely';
import { authorNotBanned, isUniqueViolation, keysetPage, type Executor, type PageQuery } from '@video/shared';
import { withProcessing, type VideoWithAuthor } from '../videos/videos-repository.js';

/**
 * Whether the row `v` of video_info may appear in a list seen by `viewerId`. `ownList`: the list is
 * the viewer's own (their favorites, their playlist), so anything they may open by id shows (public,
 * unlisted, their own private videos); in someone else's list only public videos with a file, and
 * the viewer's own videos. A deleted video, or one of a banned author, never shows. Evaluated at read time, so a video made
 * private or deleted drops out of every list at once.
 */
export function listableVideoSql(viewerId: number | null, ownList: boolean) {
  const mine = viewerId === null ? sql`1 = 0` : sql`v.author_id = ${viewerId}`;
  const others = ownList ? sql`v.privacy <> 'private'` : sql`(v.privacy = 'public' and v.upload_state = 'ready')`;
  return sql<boolean>`(v.deleted_at is null and ${authorNotBanned('v.author_id')} and (${others} or ${mine}))`;
}

/** Adds a favorite; a second add keeps the first one's time (idempotent). */
export async function addFavorite(db: Executor, userId: number, videoId: string, now: number): Promise<void> {
  try {
    await db.insertInto('favorites').values({ user_id: userId, video_id: videoId, time: now }).execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

export async function removeFavorite(db: Executor, userId: number, videoId: string): Promise<void> {
  await db.deleteFrom('favorites').where('user_id', '=', userId).where('video_id', '=', videoId).execute();
}

export type FavoriteRow = VideoWithAuthor & { favorite_time: number };

/** A user's favorites they may still read, most recently added first, keyset on (time, video id). */
export async function listFavorites(db: Executor, userId: number, page: PageQuery): Promise<FavoriteRow[]> {
  const q = db
    .selectFrom('favorites as f')
    .innerJoin('video_info as v', 'v.id', 'f.video_id')
    .selectAll('v')
    .select('f.time as favorite_time')
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'v.author_id').$asScalar().$notNull().as('author'))
    .where('f.user_id', '=', userId)
    .where(listableVideoSql(userId, true));
  return withProcessing(keysetPage(q, 'f.time', 'f.video_id', page)).execute();
}
