import type { VideoDelRec } from '../schema.js';
import type { Executor } from './executor.js';

/** Queues a purge; a record that already exists is left as it is (idempotent). */
export async function insertDelRec(db: Executor, videoId: string, now: number): Promise<void> {
  await db
    .insertInto('video_del_rec')
    .values({ video_id: videoId, create_time: now, claimed_by: null, claimed_until: 0, attempts: 0, next_attempt_at: 0 })
    .orIgnore()
    .execute();
}

export async function findDelRec(db: Executor, videoId: string): Promise<VideoDelRec | undefined> {
  return db.selectFrom('video_del_rec').selectAll().where('video_id', '=', videoId).executeTakeFirst();
}

export async function deleteDelRec(db: Executor, videoId: string): Promise<void> {
  await db.deleteFrom('video_del_rec').where('video_id', '=', videoId).execute();
}
