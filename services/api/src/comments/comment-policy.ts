import { forbidden, type CommentState, type CommentsPolicy, type Executor, type Role } from '@video/shared';
import { sql, type RawBuilder } from 'kysely';

/**
 * The state a new comment or reply is stored in under the video's policy: the owner's own always
 * show; with `approval` anyone else's wait (pending); with `closed` anyone else is refused.
 */
export function newCommentState(policy: CommentsPolicy, byOwner: boolean): CommentState {
  if (byOwner || policy === 'open') return 'visible';
  if (policy === 'approval') return 'pending';
  throw forbidden("comments are closed on this video: only its owner may comment");
}

/** Who may see a video's pending comments: all of them (its owner, moderators), one author's own, or none (visitors). */
export type PendingScope = 'all' | { authorId: number } | 'none';

export function pendingScope(viewer: { user_id: number; role: Role } | null, videoOwnerId: number): PendingScope {
  if (!viewer) return 'none';
  if (viewer.user_id === videoOwnerId || viewer.role === 'moderator' || viewer.role === 'admin') return 'all';
  return { authorId: viewer.user_id };
}

/** The comments `c` a list shows under a scope. */
export function visibleCommentSql(scope: PendingScope): RawBuilder<boolean> {
  if (scope === 'all') return sql<boolean>`1 = 1`;
  if (scope === 'none') return sql<boolean>`c.state = 'visible'`;
  return sql<boolean>`(c.state = 'visible' or c.author_id = ${scope.authorId})`;
}

export function maySeeComment(scope: PendingScope, c: { state: CommentState; author_id: number | string }): boolean {
  if (c.state !== 'pending' || scope === 'all') return true;
  return scope !== 'none' && Number(c.author_id) === scope.authorId;
}

/** The video's comment policy, read under the row lock the caller holds. */
export async function commentsPolicyOf(trx: Executor, videoId: string): Promise<CommentsPolicy> {
  const row = await trx.selectFrom('video_info').select('comments_policy').where('id', '=', videoId).executeTakeFirst();
  return row?.comments_policy ?? 'open';
}
