import { keysetPage, transactionWithRetry, type CommentWithAuthor, type Db, type Executor, type NewComment, type PageQuery } from '@video/shared';

/**
 * A live video's comments with their authors' names, newest first, one keyset page. The filter is
 * on comments.video_id itself, the live check an uncorrelated EXISTS (evaluated once) and the author
 * a per-row primary-key lookup, so MariaDB walks idx_comments_video_time backwards and stops at the
 * limit; with a JOIN it may read the small users table first and sort every comment of the video.
 */
export async function listCommentsOfLiveVideo(db: Executor, videoId: string, page: PageQuery): Promise<CommentWithAuthor[]> {
  const q = db
    .selectFrom('comments as c')
    .select(['c.id', 'c.video_id', 'c.author_id', 'c.content', 'c.time', 'c.parent_id', 'c.replies_count', 'c.edited_time', 'c.pinned'])
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'c.author_id').$asScalar().$notNull().as('author'))
    .where('c.video_id', '=', videoId)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('video_info as v').select('v.id').where('v.id', '=', videoId).where('v.deleted_at', 'is', null)),
    );
  return keysetPage(q, 'c.time', 'c.id', page).execute();
}

/**
 * Inserts a comment and counts it, in one transaction that first moves the video's counter: the
 * UPDATE takes the video's row lock (SQLite: the write lock) and matches only a live video the
 * author may see, so a comment never lands on a video deleted a moment earlier. False when none.
 */
export async function insertCountedComment(db: Db, comment: NewComment): Promise<boolean> {
  return transactionWithRetry(db, async (trx) => {
    const r = await trx
      .updateTable('video_info')
      .set((eb) => ({ comments_count: eb('comments_count', '+', 1) }))
      .where('id', '=', comment.video_id)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('privacy', '<>', 'private'), eb('author_id', '=', comment.author_id)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    await trx.insertInto('comments').values(comment).execute();
    return true;
  });
}

/** Deletes a comment and uncounts it together. */
export async function deleteCountedComment(db: Db, videoId: string, commentId: string): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    const r = await trx.deleteFrom('comments').where('id', '=', commentId).where('video_id', '=', videoId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) return;
    await trx
      .updateTable('video_info')
      .set((eb) => ({ comments_count: eb('comments_count', '-', 1) }))
      .where('id', '=', videoId)
      .where('comments_count', '>', 0)
      .execute();
  });
}
