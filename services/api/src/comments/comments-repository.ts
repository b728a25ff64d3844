import { sql } from 'kysely';
import { keysetPage, type CommentWithAuthor, type Executor, type NewComment, type PageQuery } from '@video/shared';

/**
 * A live video's comments with their authors' names, newest first, one keyset page. The filter is
 * on comments.video_id itself, the live check an uncorrelated EXISTS (evaluated once) and the author
 * a per-row primary-key lookup, so MariaDB walks idx_comments_video_time backwards and stops at the
 * limit; with a JOIN it may read the small users table first and sort every comment of the video.
 */
export async function listCommentsOfLiveVideo(db: Executor, videoId: string, page: PageQuery): Promise<CommentWithAuthor[]> {
  const q = db
    .selectFrom('comments as c')
    .select(['c.id', 'c.video_id', 'c.author_id', 'c.content', 'c.time'])
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'c.author_id').$asScalar().$notNull().as('author'))
    .where('c.video_id', '=', videoId)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('video_info as v').select('v.id').where('v.id', '=', videoId).where('v.deleted_at', 'is', null)),
    );
  return keysetPage(q, 'c.time', 'c.id', page).execute();
}

/**
 * Inserts a comment only while its video is live, in one statement, so a comment can never land on
 * a video deleted a moment earlier (the purge would miss it). False when the video is not live.
 */
export async function insertCommentOnLiveVideo(db: Executor, comment: NewComment): Promise<boolean> {
  const r = await db
    .insertInto('comments')
    .columns(['id', 'video_id', 'author_id', 'content', 'time'])
    .expression((eb) =>
      eb
        .selectFrom('video_info')
        .select([
          sql.val(comment.id).as('id'),
          sql.val(comment.video_id).as('video_id'),
          sql.val(comment.author_id).as('author_id'),
          sql.val(comment.content).as('content'),
          sql.val(comment.time).as('time'),
        ])
        .where('video_info.id', '=', comment.video_id)
        .where('video_info.deleted_at', 'is', null),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
