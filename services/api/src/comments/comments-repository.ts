import { CompiledQuery, sql } from 'kysely';
import {
  authorNotBanned,
  badRequest,
  keysetPage,
  notFound,
  transactionWithRetry,
  type CommentWithAuthor,
  type Db,
  type DialectName,
  type Executor,
  type NewComment,
  type CommentState,
  type PageQuery,
} from '@video/shared';
import { countedAuthor } from './comment-counts-repository.js';
import type { StoredNotification } from '../notifications/notify.js';
import { notifyForComment } from './mentions.js';
import { commentsPolicyOf, newCommentState, visibleCommentSql, type PendingScope } from './comment-policy.js';

const COLUMNS = ['c.id', 'c.video_id', 'c.author_id', 'c.content', 'c.time', 'c.parent_id', 'c.replies_count', 'c.edited_time', 'c.pinned', 'c.state'] as const;

/**
 * Comments with their authors' names (a per-row primary-key lookup, so the walk stays on the comments
 * index); a banned author's comments are left out of every read.
 */
export function selectComments(db: Executor) {
  return db
    .selectFrom('comments as c')
    .select(COLUMNS)
    .where(authorNotBanned('c.author_id'))
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'c.author_id').$asScalar().$notNull().as('author'));
}

/**
 * A live video's top-level comments except the pinned one, newest first, one keyset page. The
 * filter is on (video_id, parent_id) itself, the live check an uncorrelated EXISTS (evaluated once).
 * MariaDB is told to walk idx_comments_top backwards and stop at the limit: left to itself it may
 * pick idx_comments_video_time (reading every reply too) or even idx_comments_replies (the whole
 * site's top-level comments, filtered by video).
 */
export async function listTopLevelComments(db: Executor, dialect: DialectName, videoId: string, page: PageQuery, scope: PendingScope): Promise<CommentWithAuthor[]> {
  const q = selectComments(db)
    .where('c.video_id', '=', videoId)
    .where('c.parent_id', 'is', null)
    .where('c.pinned', '=', 0)
    .where(visibleCommentSql(scope))
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('video_info as v').select('v.id').where('v.id', '=', videoId).where('v.deleted_at', 'is', null)),
    );
  const compiled = keysetPage(q, 'c.time', 'c.id', page).compile();
  if (dialect !== 'mysql') return (await db.executeQuery(compiled)).rows;
  const FROM = 'from `comments` as `c`';
  if (!compiled.sql.includes(FROM)) throw new Error('the top-level comments query lost its FROM clause');
  const hinted = compiled.sql.replace(FROM, `${FROM} force index (idx_comments_top)`);
  return (await db.executeQuery(CompiledQuery.raw(hinted, [...compiled.parameters]))).rows as CommentWithAuthor[];
}

/** The video's pinned comment, if any (idx_comments_pinned). */
export async function findPinnedComment(db: Executor, videoId: string): Promise<CommentWithAuthor | undefined> {
  return selectComments(db).where('c.video_id', '=', videoId).where('c.pinned', '=', 1).where('c.parent_id', 'is', null).where('c.state', '=', 'visible').executeTakeFirst();
}

/** Takes the video's row lock (SQLite: the write lock) with an update that changes nothing. */
export async function lockVideoRow(trx: Executor, videoId: string): Promise<void> {
  await trx
    .updateTable('video_info')
    .set((eb) => ({ comments_count: eb.ref('comments_count') }))
    .where('id', '=', videoId)
    .execute();
}

export interface InsertedComment {
  stored: StoredNotification[];
  state: CommentState;
}

/**
 * Inserts a comment or a reply and counts it, in one transaction that first moves the video's
 * counter: the UPDATE takes the video's row lock and matches only a live video the author may see,
 * so a comment never lands on a video deleted a moment earlier (null then), and a reply never on a
 * parent deleted a moment earlier (404). The parent's replies_count moves in the same transaction,
 * and the notifications are stored in it too.
 */
export async function insertCountedComment(db: Db, comment: NewComment, videoOwnerId: number): Promise<InsertedComment | null> {
  return transactionWithRetry(db, async (trx) => {
    const r = await trx
      .updateTable('video_info')
      .set((eb) => ({ comments_count: eb.ref('comments_count') }))
      .where('id', '=', comment.video_id)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('privacy', '<>', 'private'), eb('author_id', '=', comment.author_id)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return null;
    const state = newCommentState(await commentsPolicyOf(trx, comment.video_id), comment.author_id === videoOwnerId);
    const visible = state === 'visible';
    if (visible) await countOnVideo(trx, comment.video_id, 1);
    const parentAuthorId = comment.parent_id ? await countReply(trx, comment.video_id, comment.parent_id, visible) : null;
    await trx.insertInto('comments').values({ ...comment, state }).execute();
    // A held comment tells only the owner that something waits; its mentions and reply wait for the approval.
    const event = { actorId: comment.author_id, videoId: comment.video_id, videoOwnerId, commentId: comment.id, text: visible ? comment.content : '', parentAuthorId: visible ? parentAuthorId : null };
    return { stored: await notifyForComment(trx, event), state };
  });
}

export async function countOnVideo(trx: Executor, videoId: string, n: number): Promise<void> {
  await trx
    .updateTable('video_info')
    .set((eb) => ({ comments_count: eb('comments_count', '+', n) }))
    .where('id', '=', videoId)
    .execute();
}

/** Counts a reply on its parent (a visible reply only), which must be a visible top-level comment of the video; returns the parent's author. */
async function countReply(trx: Executor, videoId: string, parentId: string, visible: boolean): Promise<number> {
  const parent = await trx.selectFrom('comments').select(['video_id', 'parent_id', 'author_id', 'state']).where('id', '=', parentId).executeTakeFirst();
  if (!parent || parent.video_id !== videoId) throw notFound('no such comment to reply to');
  if (parent.parent_id !== null) throw badRequest('body.parent_id must be a top-level comment: replies are one level deep');
  if (parent.state === 'pending') throw badRequest('this comment is waiting for approval: it takes replies once approved');
  if (!visible) return Number(parent.author_id);
  await trx
    .updateTable('comments')
    .set((eb) => ({ replies_count: eb('replies_count', '+', 1) }))
    .where('id', '=', parentId)
    .execute();
  return Number(parent.author_id);
}

/**
 * Deletes a comment with its replies (a reply: itself, uncounted on its parent) and takes the number
 * removed off the video's counter, under the video's row lock, which every insert takes first too.
 * False when the comment is no longer there.
 */
export async function deleteCountedComment(db: Db, videoId: string, commentId: string): Promise<boolean> {
  return transactionWithRetry(db, (trx) => deleteCountedCommentIn(trx, videoId, commentId));
}

/** deleteCountedComment inside the caller's transaction (a moderator's delete writes its audit row in it too). */
export async function deleteCountedCommentIn(trx: Executor, videoId: string, commentId: string): Promise<boolean> {
  await lockVideoRow(trx, videoId);
  const row = await trx
    .selectFrom('comments')
    .select(['parent_id', 'state', countedAuthor('comments.author_id').as('counted')])
    .where('id', '=', commentId)
    .where('video_id', '=', videoId)
    .executeTakeFirst();
  if (!row) return false;
  await trx.deleteFrom('comments').where('id', '=', commentId).execute();
  // Held comments were never counted, nor those of a banned author (recountCommentsTouchedBy).
  const counted = row.state === 'visible' && Number(row.counted) === 1;
  let removed = counted ? 1 : 0;
  if (row.parent_id === null) {
    const counted = await trx
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('parent_id', '=', commentId)
      .where('state', '=', 'visible')
      .where(authorNotBanned('comments.author_id'))
      .executeTakeFirst();
    removed += Number(counted?.n ?? 0);
    await trx.deleteFrom('comments').where('parent_id', '=', commentId).execute();
  } else if (counted) {
    await trx
      .updateTable('comments')
      .set((eb) => ({ replies_count: eb('replies_count', '-', 1) }))
      .where('id', '=', row.parent_id)
      .where('replies_count', '>', 0)
      .execute();
  }
  await trx
    .updateTable('video_info')
    .set({ comments_count: sql<number>`case when comments_count > ${removed} then comments_count - ${removed} else 0 end` })
    .where('id', '=', videoId)
    .execute();
  return true;
}
