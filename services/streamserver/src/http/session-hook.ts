import type { FastifyRequest } from 'fastify';
import { isVisibleTo, optionalSession, requireSession, sessionIdFromHeaders, type SessionUser, type Video } from '@video/shared';

/**
 * The stream server's one session check (multipart and tus uploads): the user of the request's
 * X-Session-Id in the app's database, or 401 002 for none, an unknown or an expired one.
 */
export function requireUploader(request: FastifyRequest, now = Date.now()): Promise<SessionUser> {
  return requireSession(request.server.db, sessionIdFromHeaders(request.headers), now);
}

/**
 * Whether this request may have the video's bytes: anyone for a public or unlisted video, only its
 * owner for a private one (for anyone else it is the same 404 as an unknown id). The session is
 * read only for private videos; an unknown or expired one makes a visitor.
 */
export async function mayWatch(request: FastifyRequest, video: Video): Promise<boolean> {
  if (video.privacy !== 'private') return true;
  const viewer = await optionalSession(request.server.db, sessionIdFromHeaders(request.headers));
  return isVisibleTo(video, viewer?.user_id);
}
