import type { Comment } from '../schema.js';
import type { Executor } from './executor.js';

export interface CommentWithAuthor extends Comment {
  author: string;
}

export async function findComment(db: Executor, id: string): Promise<Comment | undefined> {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteComment(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('comments').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
