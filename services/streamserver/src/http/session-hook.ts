import type { FastifyRequest } from 'fastify';
import { requireSession, sessionIdFromHeaders, type SessionUser } from '@video/shared';

/**
 * The stream server's one session check (multipart and tus uploads): the user of the request's
 * X-Session-Id in the app's database, or 401 002 for none, an unknown or an expired one.
 */
export function requireUploader(request: FastifyRequest, now = Date.now()): Promise<SessionUser> {
  return requireSession(request.server.db, sessionIdFromHeaders(request.headers), now);
}
