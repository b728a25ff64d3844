/**
 * The contract's identifier rules, in one place. Video and comment ids are UUIDv7 strings when this
 * site makes them, but any id of this shape is looked up (and is safe as a file name).
 */
export const VIDEO_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const VIDEO_ID_RE = new RegExp(VIDEO_ID_PATTERN);

/** True when `id` may name a video or a comment (and a file under the videos directory). */
export function isVideoId(id: unknown): id is string {
  return typeof id === 'string' && VIDEO_ID_RE.test(id);
}

/** Session ids are UUIDs (any version, either case). */
export const SESSION_ID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const SESSION_ID_RE = new RegExp(SESSION_ID_PATTERN);

export function isSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID_RE.test(id);
}

/** tus upload ids: 32 lowercase hex digits (also the temporary file's name). */
export const UPLOAD_ID_PATTERN = '^[0-9a-f]{32}$';
const UPLOAD_ID_RE = new RegExp(UPLOAD_ID_PATTERN);

export function isUploadId(id: unknown): id is string {
  return typeof id === 'string' && UPLOAD_ID_RE.test(id);
}
