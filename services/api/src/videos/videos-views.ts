import { processingInfo, toIso } from '@video/shared';
import type { ProcessingColumns, VideoRow } from './videos-repository.js';
import type { VideoInfo } from './videos-schemas.js';

const num = (v: number | string | null) => (v === null ? null : Number(v));

function parseTags(raw: string): string[] {
  try {
    const tags: unknown = JSON.parse(raw);
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** The task joined to a video row (withProcessing), as VideoInfo shows it; null when it has none. */
function processing(v: ProcessingColumns): VideoInfo['processing'] {
  if (v.task_state === null) return null;
  return processingInfo({ state: v.task_state, progress: v.task_progress ?? 0, last_error: v.task_error });
}

/** A video as clients see it: never the hash of anything, times as ISO strings, counters as numbers. */
export function videoJson(v: VideoRow, author: string): VideoInfo {
  return {
    id: v.id,
    author_id: Number(v.author_id),
    name: v.name,
    display_ctime: v.display_ctime,
    create_time: toIso(Number(v.create_time)),
    upload_state: v.upload_state,
    size: num(v.size),
    content_type: v.content_type,
    author,
    description: v.description,
    tags: parseTags(v.tags),
    privacy: v.privacy,
    duration: num(v.duration),
    width: num(v.width),
    height: num(v.height),
    poster: v.poster,
    views: Number(v.views),
    likes: Number(v.likes),
    dislikes: Number(v.dislikes),
    comments_count: Number(v.comments_count),
    processing: processing(v),
    comments_policy: v.comments_policy ?? 'open',
    hidden: v.hidden_at !== null && v.hidden_at !== undefined,
  };
}
