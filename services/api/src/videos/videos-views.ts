import { toIso, type Video } from '@video/shared';
import type { VideoInfo } from './videos-schemas.js';

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
