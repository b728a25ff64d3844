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
    parent_id: c.parent_id ?? null,
    replies_count: Number(c.replies_count),
    edited_time: c.edited_time === null || c.edited_time === undefined ? null : toIso(Number(c.edited_time)),
    pinned: Number(c.pinned) === 1,
    state: c.state === 'pending' ? 'pending' : 'visible',
  };
}
