import { toIso, type CommentWithAuthor, type Video } from '@video/shared';
import type { CommentJson, VideoInfo } from '../schemas/api-schemas.js';

/** A video as clients see it: never the hash of anything, times as ISO strings. */
export function videoJson(v: Video): VideoInfo {
  return {
    id: v.id,
    author_id: Number(v.author_id),
    name: v.name,
    display_ctime: v.display_ctime,
    create_time: toIso(Number(v.create_time)),
    upload_state: v.upload_state,
    size: v.size === null ? null : Number(v.size),
    content_type: v.content_type,
  };
}

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
