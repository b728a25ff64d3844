import { sql } from 'kysely';
import { badRequest, notFound, transactionWithRetry, type CommentWithAuthor, type Cursor, type Db, type Executor } from '@video/shared';
import { lockVideoRow, selectComments } from './comments-repository.js';
import { visibleCommentSql, type PendingScope } from './comment-policy.js';

/** One page of a comment's replies, oldest first: rows strictly after `after` in (time, id) order (idx_comments_replies). */
export async function listReplies(db: Executor, parentId: string, page: { limit: number; after?: Cursor }, scope: PendingScope): Promise<CommentWithAuthor[]> {
  let q = selectComments(db).where('c.parent_id', '=', parentId).where(visibleCommentSql(scope));
  if (page.after) {
    const a = page.after;
    q = q.where(sql<boolean>`(c.time > ${a.time} or (c.time = ${a.time} and c.id > ${a.id}))`);
  }
  return q.orderBy('c.time', 'asc').orderBy('c.id', 'asc').limit(page.limit).execute();
}

export async function findCommentWithAuthor(db: Executor, commentId: string): Promise<CommentWithAuthor | undefined> {
  return selectComments(db).where('c.id', '=', commentId).executeTakeFirst();
}

export async function updateCommentContent(db: Executor, commentId: string, content: string, now: number): Promise<void> {
  await db.updateTable('comments').set({ content, edited_time: now }).where('id', '=', commentId).execute();
}

/**
 * Pins a top-level comment of the video and unpins the one pinned before, in one transaction under
 * the video's row lock, so two owners' clicks racing leave exactly one pinned.
 */
export async function pinComment(db: Db, videoId: string, commentId: string): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    await lockVideoRow(trx, videoId);
    const row = await trx.selectFrom('comments').select(['parent_id', 'pinned', 'state']).where('id', '=', commentId).where('video_id', '=', videoId).executeTakeFirst();
    if (!row) throw notFound('no such comment');
    if (row.state === 'pending') throw badRequest('this comment is waiting for approval: approve it before pinning it');
    if (row.parent_id !== null) throw badRequest('a reply cannot be pinned: pin its top-level comment');
    await trx.updateTable('comments').set({ pinned: 0 }).where('video_id', '=', videoId).where('pinned', '=', 1).where('id', '<>', commentId).execute();
    if (Number(row.pinned) !== 1) await trx.updateTable('comments').set({ pinned: 1 }).where('id', '=', commentId).execute();
  });
}

/** Unpins a comment of the video (nothing when it is not pinned). */
export async function unpinComment(db: Executor, videoId: string, commentId: string): Promise<void> {
  await db.updateTable('comments').set({ pinned: 0 }).where('id', '=', commentId).where('video_id', '=', videoId).where('pinned', '=', 1).execute();
}
