import type { Comment, NewComment } from '../schema.js';
import type { Executor } from './executor.js';
import type { PageQuery } from './videos-repository.js';

export interface CommentWithAuthor extends Comment {
  author: string;
}

export async function insertComment(db: Executor, comment: NewComment): Promise<void> {
  await db.insertInto('comments').values(comment).execute();
}

export async function findComment(db: Executor, id: string): Promise<Comment | undefined> {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A video's comments with their authors' names, newest first, one keyset page. */
export async function listComments(db: Executor, videoId: string, page: PageQuery): Promise<CommentWithAuthor[]> {
  let q = db
    .selectFrom('comments')
    .innerJoin('users', 'users.id', 'comments.author_id')
    .select([
      'comments.id',
      'comments.video_id',
      'comments.author_id',
      'comments.content',
      'comments.time',
      'users.user_name as author',
    ])
    .where('comments.video_id', '=', videoId);
  if (page.before) {
    const { time, id } = page.before;
    q = q.where((eb) =>
      eb.or([eb('comments.time', '<', time), eb.and([eb('comments.time', '=', time), eb('comments.id', '<', id)])]),
    );
  }
  if (page.fromMs !== undefined) q = q.where('comments.time', '>', page.fromMs);
  if (page.toMs !== undefined) q = q.where('comments.time', '<=', page.toMs);
  return q.orderBy('comments.time', 'desc').orderBy('comments.id', 'desc').limit(page.limit).execute();
}

export async function deleteComment(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('comments').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteCommentsOfVideo(db: Executor, videoId: string): Promise<number> {
  const r = await db.deleteFrom('comments').where('video_id', '=', videoId).executeTakeFirst();
  return Number(r.numDeletedRows);
}
