import { badRequest, type CommentsPolicy, type VideoPrivacy } from '@video/shared';
import { trimmedText } from '../http/input.js';
import type { NewVideoBody, VideoPatchBody } from './videos-schemas.js';

export const MAX_DESCRIPTION = 5000;
export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 32;

/** What a create or an edit may set, checked and normalised as the contract says. */
export interface VideoMeta {
  name?: string;
  description?: string;
  tags?: string[];
  privacy?: VideoPrivacy;
  comments_policy?: CommentsPolicy;
}

function description(raw: string): string {
  const text = raw.trim();
  if ([...text].length > MAX_DESCRIPTION) throw badRequest(`body.description must be at most ${MAX_DESCRIPTION} characters`);
  return text;
}

/** Trimmed, 1–32 characters each, duplicates that differ only in case dropped (first kept), at most 10 after. */
function tags(raw: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, t] of raw.entries()) {
    const tag = t.trim();
    const n = [...tag].length;
    if (n < 1 || n > MAX_TAG_LENGTH) throw badRequest(`body.tags[${i}] must be 1–${MAX_TAG_LENGTH} characters after trimming`);
    const key = tag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  if (out.length > MAX_TAGS) throw badRequest(`body.tags may hold at most ${MAX_TAGS} distinct tags`);
  return out;
}

export function videoMeta(body: NewVideoBody | VideoPatchBody): VideoMeta {
  const meta: VideoMeta = {};
  if (body.name !== undefined) meta.name = trimmedText('name', body.name, 256);
  if (body.description !== undefined) meta.description = description(body.description);
  if (body.tags !== undefined) meta.tags = tags(body.tags);
  if (body.privacy !== undefined) meta.privacy = body.privacy;
  if ('comments_policy' in body && body.comments_policy !== undefined) meta.comments_policy = body.comments_policy;
  return meta;
}
