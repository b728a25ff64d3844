import type { FastifyRequest } from 'fastify';
import { isVisibleTo, optionalUser, requireUser, type SessionUser, type Video } from '@video/shared';

/**
 * The stream server's one caller check (multipart and tus uploads): the user of the request's
 * X-Session-Id, `Authorization: Bearer` access token or session cookie, or 401 002 for none, an
 * unknown or expired session, or a bad token.
 */
export function requireUploader(request: FastifyRequest, now = Date.now()): Promise<SessionUser> {
  return requireUser(request.server, request.headers, now);
}

/**
 * Whether this request may have the video's bytes: anyone for a public or unlisted video, only its
 * owner for a private one (for anyone else it is the same 404 as an unknown id). The caller is
 * checked only for private videos; an unknown or expired session makes a visitor, a bad bearer
 * token is a 401.
 */
export async function mayWatch(request: FastifyRequest, video: Video): Promise<boolean> {
  if (video.privacy !== 'private') return true;
  const viewer = await optionalUser(request.server, request.headers);
  return isVisibleTo(video, viewer?.user_id);
}
