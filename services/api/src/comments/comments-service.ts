import { v7 as uuidv7 } from 'uuid';
import {
  encodeCursor,
  findComment,
  isVisibleTo,
  findLiveVideo,
  forbidden,
  notFound,
  type Comment,
  type CommentWithAuthor,
  type Cursor,
  type Db,
  type PageQuery,
  type SessionUser,
  type Video,
  isVideoId,
} from '@video/shared';
import { announceNotifications } from '../notifications/notify.js';
import { fetchPage, type Page } from '../http/pagination.js';
import { isBlocked } from '../blocks/index.js';
import { openGate, type EmailGate } from '../accounts/email-gate.js';
import { approveComment, listPendingComments } from './comment-approval-repository.js';
import { pendingScope } from './comment-policy.js';
import { deleteCountedComment, findPinnedComment, insertCountedComment, listTopLevelComments } from './comments-repository.js';

const noSuchVideo = () => notFound('no such video');
const noSuchComment = () => notFound('no such comment');
const keyOf = (c: CommentWithAuthor): Cursor => ({ time: Number(c.time), id: c.id });
/** A cursor before every comment: the next page of a first page that held only the pinned one. */
const FROM_THE_TOP: Cursor = { time: Number.MAX_SAFE_INTEGER, id: '~' };

/** A live video the viewer may see (a private one: its owner only), else 404. */
export async function visibleVideo(db: Db, videoId: string, viewerId: number | null): Promise<Video> {
  if (!isVideoId(videoId)) throw noSuchVideo();
  const video = await findLiveVideo(db.kysely, videoId);
  if (!video || !isVisibleTo(video, viewerId)) throw noSuchVideo();
  return video;
}

/** A comment of this video, else 404 (a comment under another video's path too). */
export async function commentOf(db: Db, videoId: string, commentId: string): Promise<Comment> {
  const comment = isVideoId(commentId) ? await findComment(db.kysely, commentId) : undefined;
  if (!comment || comment.video_id !== videoId) throw noSuchComment();
  return comment;
}

/** The video's owner (or a moderator) lets a held comment show; approving a visible one changes nothing. */
async function approveHeld(db: Db, user: SessionUser, videoId: string, commentId: string): Promise<void> {
  const video = await visibleVideo(db, videoId, user.user_id);
  if (pendingScope(user, Number(video.author_id)) !== 'all') throw forbidden("only the video's owner or a moderator may approve its comments");
  await commentOf(db, videoId, commentId);
  const stored = await approveComment(db, videoId, commentId);
  if (!stored) throw noSuchComment();
  announceNotifications(stored);
}

/** `gate`: require_email_verification (accounts/email-gate.ts). */
export function createCommentsService(db: Db, gate: EmailGate = openGate) {
  return {
    /**
     * Top-level comments, newest first; the pinned one heads the first page (it counts in its
     * limit) and is never repeated further down.
     */
    async list(videoId: string, page: PageQuery, viewer: SessionUser | null, state?: 'pending'): Promise<Page<CommentWithAuthor>> {
      const video = await visibleVideo(db, videoId, viewer?.user_id ?? null);
      const scope = pendingScope(viewer, Number(video.author_id));
      if (state === 'pending') {
        if (scope !== 'all') throw forbidden("only the video's owner and moderators may list its comments waiting for approval");
        return fetchPage(page, (p) => listPendingComments(db.kysely, videoId, p), keyOf);
      }
      const pinned = page.before ? undefined : await findPinnedComment(db.kysely, videoId);
      const fetch = (p: PageQuery) => listTopLevelComments(db.kysely, db.dialect, videoId, p, scope);
      if (!pinned) return fetchPage(page, fetch, keyOf);
      const rows = await fetch({ ...page, limit: page.limit });
      const items = rows.slice(0, page.limit - 1);
      const last = items[items.length - 1];
      const next_cursor = rows.length > items.length ? encodeCursor(last ? keyOf(last) : FROM_THE_TOP) : null;
      return { items: [pinned, ...items], next_cursor };
    },

    /** A comment, or a reply to a top-level comment of the same video; refused to a user the owner has blocked. */
    async post(user: SessionUser, videoId: string, content: string, parentId: string | null): Promise<CommentWithAuthor> {
      await gate(user);
      const video = await visibleVideo(db, videoId, user.user_id);
      const ownerId = Number(video.author_id);
      if (await isBlocked(db.kysely, { ownerId, actorId: user.user_id })) {
        throw forbidden("the video's owner has blocked you: you cannot comment on their videos");
      }
      if (parentId !== null && !isVideoId(parentId)) throw notFound('no such comment to reply to');
      // A UUIDv7 rises within the millisecond, so comments posted in the same one keep their order.
      const comment = { id: uuidv7(), video_id: videoId, author_id: user.user_id, content, time: Date.now(), parent_id: parentId };
      const inserted = await insertCountedComment(db, comment, ownerId);
      if (!inserted) throw noSuchVideo();
      announceNotifications(inserted.stored);
      return { ...comment, replies_count: 0, edited_time: null, pinned: 0, state: inserted.state, author: user.user_name };
    },

    approve: (user: SessionUser, videoId: string, commentId: string) => approveHeld(db, user, videoId, commentId),

    /** The comment's author or the video's owner may delete it (with its replies); it must belong to this live video. */
    async delete(user: SessionUser, videoId: string, commentId: string): Promise<void> {
      if (!isVideoId(videoId) || !isVideoId(commentId)) throw noSuchComment();
      const video = await visibleVideo(db, videoId, user.user_id);
      const comment = await commentOf(db, videoId, commentId);
      if (Number(comment.author_id) !== user.user_id && Number(video.author_id) !== user.user_id) {
        throw forbidden('only the comment author or the video owner may delete it');
      }
      if (!(await deleteCountedComment(db, videoId, commentId))) throw noSuchComment();
    },
  };
}

export type CommentsService = ReturnType<typeof createCommentsService>;
