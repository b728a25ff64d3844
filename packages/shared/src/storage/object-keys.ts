import { MEDIA_DIR } from '../media-layout.js';

/** Parts of a multipart upload; files up to this size go up in one PutObject. */
export const PART_SIZE = 8 * 1024 * 1024;

/**
 * Where a video's files live in the bucket: the original at `videos/<id>`, a generation's derived
 * files at `media/<id>/<gen>/<file>` (the local layout's `.media/` without the dot). Only for ids
 * that passed isVideoId and names the layout built.
 */
export function originalKey(id: string): string {
  return `videos/${id}`;
}

export function mediaPrefix(id: string): string {
  return `media/${id}/`;
}

export function derivedKey(id: string, gen: string, file: string): string {
  return `${mediaPrefix(id)}${gen}/${file}`;
}

/** The key of a derived file named as the stream server names it, relative to video_dir (`.media/<id>/<gen>/<file>`). */
export function keyOfDerivedName(name: string): string | undefined {
  const parts = name.split('/');
  if (parts.length !== 4 || parts[0] !== MEDIA_DIR) return undefined;
  return derivedKey(parts[1], parts[2], parts[3]);
}
