import { v7 as uuidv7 } from 'uuid';
import {
  findComment,
  isVisibleTo,
  findLiveVideo,
  forbidden,
  notFound,
  type CommentWithAuthor,
  type Db,
  type PageQuery,
  type SessionUser,
  isVideoId,
} from '@video/shared';
import { fetchPage, type Page } from '../http/pagination.js';
import { deleteCountedComment, insertCountedComment, listCommentsOfLiveVideo } from './comments-repository.js';

const noSuchVideo = () => notFound('no such video');

export function createCommentsService(db: Db) {
  return {
    /** Readable by anyone who may see the video (a private one: its owner only). */
    async list(videoId: string, page: PageQuery, viewerId: number | null): Promise<Page<CommentWithAuthor>> {
      if (!isVideoId(videoId)) throw noSuchVideo();
      const video = await findLiveVideo(db.kysely, videoId);
      if (!video || !isVisibleTo(video, viewerId)) throw noSuchVideo();
      const result = await fetchPage(page, (p) => listCommentsOfLiveVideo(db.kysely, videoId, p), (c) => ({
        time: Number(c.time),
        id: c.id,
      }));
      return result;
    },

    async post(user: SessionUser, videoId: string, content: string): Promise<CommentWithAuthor> {
      if (!isVideoId(videoId)) throw noSuchVideo();
      // A UUIDv7 rises within the millisecond, so comments posted in the same one keep their order.
      const comment = { id: uuidv7(), video_id: videoId, author_id: user.user_id, content, time: Date.now() };
      if (!(await insertCountedComment(db, comment))) throw noSuchVideo();
      return { ...comment, parent_id: null, replies_count: 0, edited_time: null, pinned: 0, author: user.user_name };
    },

    /** The comment's author or the video's owner may delete it; it must belong to this live video. */
    async delete(user: SessionUser, videoId: string, commentId: string): Promise<void> {
      if (!isVideoId(videoId) || !isVideoId(commentId)) throw notFound('no such comment');
      const video = await findLiveVideo(db.kysely, videoId);
      if (!video || !isVisibleTo(video, user.user_id)) throw noSuchVideo();
      const comment = await findComment(db.kysely, commentId);
      if (!comment || comment.video_id !== videoId) throw notFound('no such comment');
      if (Number(comment.author_id) !== user.user_id && Number(video.author_id) !== user.user_id) {
        throw forbidden('only the comment author or the video owner may delete it');
      }
      await deleteCountedComment(db, videoId, commentId);
    },
  };
}

export type CommentsService = ReturnType<typeof createCommentsService>;
