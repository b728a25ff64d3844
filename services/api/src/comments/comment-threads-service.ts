import { decodeCursor, encodeCursor, forbidden, badRequest, notFound, type CommentWithAuthor, type Db, type SessionUser } from '@video/shared';
import type { Page } from '../http/pagination.js';
import { findCommentWithAuthor, listReplies, pinComment, unpinComment, updateCommentContent } from './comment-threads-repository.js';
import { commentOf, visibleVideo } from './comments-service.js';
import { maySeeComment, pendingScope } from './comment-policy.js';

/** Reply cursors name their kind: a cursor of the newest-first list is a 400 here. */
export const REPLIES_CURSOR = 'replies';

export function createCommentThreadsService(db: Db) {
  /** The video's owner, on a live video they may see, else 404 / 403. */
  async function ownedVideo(user: SessionUser, videoId: string): Promise<void> {
    const video = await visibleVideo(db, videoId, user.user_id);
    if (Number(video.author_id) !== user.user_id) throw forbidden("only the video's owner may pin its comments");
  }

  return {
    /** A top-level comment's replies, oldest first. */
    async replies(videoId: string, commentId: string, q: { limit: number; cursor?: string }, viewer: SessionUser | null): Promise<Page<CommentWithAuthor>> {
      const video = await visibleVideo(db, videoId, viewer?.user_id ?? null);
      const scope = pendingScope(viewer, Number(video.author_id));
      const parent = await commentOf(db, videoId, commentId);
      if (!maySeeComment(scope, parent)) throw notFound('no such comment');
      if (parent.parent_id !== null) throw badRequest('a reply has no replies: replies are one level deep');
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, REPLIES_CURSOR);
      const rows = await listReplies(db.kysely, commentId, { limit: q.limit + 1, ...(after ? { after } : {}) }, scope);
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      const next_cursor = rows.length > q.limit && last ? encodeCursor({ time: Number(last.time), id: last.id }, REPLIES_CURSOR) : null;
      return { items, next_cursor };
    },

    /** Its author rewrites a comment; edited_time says when. */
    async edit(user: SessionUser, videoId: string, commentId: string, content: string): Promise<CommentWithAuthor> {
      await visibleVideo(db, videoId, user.user_id);
      const comment = await commentOf(db, videoId, commentId);
      if (Number(comment.author_id) !== user.user_id) throw forbidden('only its author may edit a comment');
      await updateCommentContent(db.kysely, commentId, content, Date.now());
      const edited = await findCommentWithAuthor(db.kysely, commentId);
      // Deleted between the update and this read.
      if (!edited) throw notFound('no such comment');
      return edited;
    },

    async pin(user: SessionUser, videoId: string, commentId: string): Promise<void> {
      await ownedVideo(user, videoId);
      await pinComment(db, videoId, commentId);
    },

    async unpin(user: SessionUser, videoId: string, commentId: string): Promise<void> {
      await ownedVideo(user, videoId);
      await commentOf(db, videoId, commentId);
      await unpinComment(db.kysely, videoId, commentId);
    },
  };
}

export type CommentThreadsService = ReturnType<typeof createCommentThreadsService>;
