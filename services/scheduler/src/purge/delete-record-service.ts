import { insertDelRec, softDeleteAnyVideo, type Db } from '@video/shared';

/**
 * Soft-deletes the video (if live) and queues its purge in one transaction, the UPDATE first so
 * SQLite takes its write lock at the start instead of upgrading midway. Idempotent: an existing
 * record is kept, and an unknown id is queued too (its stray file, if any, is removed).
 */
export async function queueVideoDelete(db: Db, videoId: string, now: number): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    await softDeleteAnyVideo(trx, videoId, now);
    await insertDelRec(trx, videoId, now);
  });
}
