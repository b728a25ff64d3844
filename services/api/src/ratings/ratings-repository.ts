import { notFound, transactionWithRetry, type Db, type Executor } from '@video/shared';

export type Rating = 'like' | 'dislike' | 'none';
const VALUE: Record<Rating, number> = { like: 1, dislike: -1, none: 0 };
const NAME = new Map<number, Rating>([
  [1, 'like'],
  [-1, 'dislike'],
]);

export interface RatingResult {
  rating: Rating;
  likes: number;
  dislikes: number;
}

export async function ratingOf(db: Executor, userId: number, videoId: string): Promise<Rating> {
  const row = await db.selectFrom('video_ratings').select('value').where('user_id', '=', userId).where('video_id', '=', videoId).executeTakeFirst();
  return (row && NAME.get(row.value)) ?? 'none';
}

/**
 * Sets a user's rating of a video and moves the video's counters by the difference, in one
 * transaction that first locks the video's row: two PUTs of the same user (or a PUT racing a
 * delete) cannot both count. `visible` re-checks, under the lock, that the user may see it.
 */
export async function setRating(
  db: Db,
  userId: number,
  videoId: string,
  rating: Rating,
  visible: (video: { author_id: number; privacy: string }) => boolean,
  now = Date.now(),
): Promise<RatingResult> {
  return transactionWithRetry(db, async (trx) => {
    let lock = trx.selectFrom('video_info').select(['author_id', 'privacy']).where('id', '=', videoId).where('deleted_at', 'is', null);
    if (db.dialect === 'mysql') lock = lock.forUpdate();
    const video = await lock.executeTakeFirst();
    if (!video || !visible(video)) throw notFound('no such video');
    const before = VALUE[await ratingOf(trx, userId, videoId)];
    const after = VALUE[rating];
    if (before !== after) {
      // Each statement touches an existing row by its key, or inserts a new one: no gap locks on MySQL.
      const mine = trx.updateTable('video_ratings').where('user_id', '=', userId).where('video_id', '=', videoId);
      if (before !== 0 && after !== 0) await mine.set({ value: after, time: now }).execute();
      else if (before !== 0) await trx.deleteFrom('video_ratings').where('user_id', '=', userId).where('video_id', '=', videoId).execute();
      else await trx.insertInto('video_ratings').values({ user_id: userId, video_id: videoId, value: after, time: now }).execute();
      const likes = (after === 1 ? 1 : 0) - (before === 1 ? 1 : 0);
      const dislikes = (after === -1 ? 1 : 0) - (before === -1 ? 1 : 0);
      await trx
        .updateTable('video_info')
        .set((eb) => ({ likes: eb('likes', '+', likes), dislikes: eb('dislikes', '+', dislikes) }))
        .where('id', '=', videoId)
        .execute();
    }
    const counts = await trx.selectFrom('video_info').select(['likes', 'dislikes']).where('id', '=', videoId).executeTakeFirstOrThrow();
    return { rating, likes: Number(counts.likes), dislikes: Number(counts.dislikes) };
  });
}
