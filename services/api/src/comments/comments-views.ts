import { toIso, type CommentWithAuthor } from '@video/shared';
import type { CommentJson } from './comments-schemas.js';

export function commentJson(c: CommentWithAuthor): CommentJson {
  return {
    id: c.id,
    video_id: c.video_id,
    author: c.author,
    author_id: Number(c.author_id),
    content: c.content,
    time: toIso(Number(c.time)),
  };
}
