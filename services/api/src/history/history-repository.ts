import { sql } from 'kysely';
import { authorNotBanned, keysetPage, type Db, type Executor, type PageQuery } from '@video/shared';
import { withProcessing, type VideoWithAuthor } from '../videos/videos-repository.js';

export type HistoryRow = VideoWithAuthor & { watched_at: number };

/**
 * Remembers that a view of `videoId` counted for `userId`: one row per (user, video), its time
 * moved to the latest counted view.
 */
export async function recordWatch(db: Db, userId: number, videoId: string, at: number): Promise<void> {
  const row = { user_id: userId, video_id: videoId, watched_at: at };
  if (db.dialect === 'mysql') {
    await db.kysely.insertInto('watch_history').values(row).onDuplicateKeyUpdate({ watched_at: sql`greatest(watched_at, values(watched_at))` }).execute();
  } else {
    await db.kysely
      .insertInto('watch_history')
      .values(row)
      .onConflict((oc) => oc.columns(['user_id', 'video_id']).doUpdateSet({ watched_at: sql`max(watch_history.watched_at, excluded.watched_at)` }))
      .execute();
  }
}

/**
 * One page of a user's history, last watched first (keyset on watched_at, then video id). Only
 * videos the user may still see: live, and public, unlisted or their own.
 */
export async function listHistory(db: Executor, userId: number, page: PageQuery): Promise<HistoryRow[]> {
  const q = db
    .selectFrom('watch_history as h')
    .innerJoin('video_info as v', 'v.id', 'h.video_id')
    .selectAll('v')
    .select('h.watched_at')
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'v.author_id').$asScalar().$notNull().as('author'))
    .where('h.user_id', '=', userId)
    .where('v.deleted_at', 'is', null)
    .where(authorNotBanned('v.author_id'))
    .where((eb) => eb.or([eb('v.privacy', '<>', 'private'), eb('v.author_id', '=', userId)]));
  return withProcessing(keysetPage(q, 'h.watched_at', 'h.video_id', page)).execute();
}

/** Forgets everything the user watched. */
export async function clearHistory(db: Executor, userId: number): Promise<void> {
  await db.deleteFrom('watch_history').where('user_id', '=', userId).execute();
}
