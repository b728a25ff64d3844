import { keysetPage, transactionWithRetry, type CommentWithAuthor, type Db, type Executor, type PageQuery } from '@video/shared';
import type { StoredNotification } from '../notifications/notify.js';
import { countOnVideo, lockVideoRow, selectComments } from './comments-repository.js';
import { notifyForComment } from './mentions.js';

/** A video's held comments and replies, newest first, one keyset page. */
export async function listPendingComments(db: Executor, videoId: string, page: PageQuery): Promise<CommentWithAuthor[]> {
  return keysetPage(selectComments(db).where('c.video_id', '=', videoId).where('c.state', '=', 'pending'), 'c.time', 'c.id', page).execute();
}

/**
 * Makes a held comment visible and counts it (on the video, and a reply on its parent), under the
 * video's row lock every comment write takes; its mentions and reply notification go out now (the
 * owner was told when it arrived). Null when the comment is not there; nothing to do when it is visible.
 */
export async function approveComment(db: Db, videoId: string, commentId: string): Promise<StoredNotification[] | null> {
  return transactionWithRetry(db, async (trx) => {
    await lockVideoRow(trx, videoId);
    const row = await trx
      .selectFrom('comments')
      .select(['author_id', 'parent_id', 'content', 'state'])
      .where('id', '=', commentId)
      .where('video_id', '=', videoId)
      .executeTakeFirst();
    if (!row) return null;
    if (row.state === 'visible') return [];
    await trx.updateTable('comments').set({ state: 'visible' }).where('id', '=', commentId).execute();
    await countOnVideo(trx, videoId, 1);
    let parentAuthorId: number | null = null;
    if (row.parent_id !== null) {
      await trx
        .updateTable('comments')
        .set((eb) => ({ replies_count: eb('replies_count', '+', 1) }))
        .where('id', '=', row.parent_id)
        .execute();
      const parent = await trx.selectFrom('comments').select('author_id').where('id', '=', row.parent_id).executeTakeFirst();
      parentAuthorId = parent ? Number(parent.author_id) : null;
    }
    const authorId = Number(row.author_id);
    return notifyForComment(trx, { actorId: authorId, videoId, videoOwnerId: null, commentId, text: row.content, parentAuthorId });
  });
}
