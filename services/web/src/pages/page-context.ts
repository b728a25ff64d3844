import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '@video/shared/config';
import { AppError } from '@video/shared/contract';
import type { ApiGateway, SessionInfo } from '../auth/api-gateway.js';
import { SESSION_COOKIE, clearSessionCookie } from '../auth/session-cookie.js';
import type { PublicApi } from './public-api.js';

export interface PagesOptions {
  config: Config;
  api: ApiGateway;
}

export interface PageDeps extends PagesOptions {
  pub: PublicApi;
}

/** Who is looking at a page: their name and session (both null for a visitor), or "the api is down". */
export type Viewer = { user: SessionInfo | null; sessionId: string | undefined } | { down: AppError };

export const DOWN_NOTICE = 'The site cannot reach its services right now. Please try again in a moment.';

/** Who the session cookie belongs to; an unknown or expired cookie is removed on the way. */
export async function lookup(request: FastifyRequest, reply: FastifyReply, opts: PagesOptions): Promise<Viewer> {
  const sessionId = request.cookies[SESSION_COOKIE];
  if (!sessionId) return { user: null, sessionId: undefined };
  try {
    const user = await opts.api.session(request, sessionId);
    if (!user) clearSessionCookie(reply, opts.config);
    return { user, sessionId: user ? sessionId : undefined };
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 503) return { down: err };
    throw err;
  }
}

/** The layout's values for a viewer: the signed-in name for the header, and whether to link /admin. */
export function layoutOf(viewer: Viewer): { userName: string | null; isStaff: boolean } {
  const user = 'user' in viewer ? viewer.user : null;
  return { userName: user ? user.user_name : null, isStaff: user?.role === 'moderator' || user?.role === 'admin' };
}

/** The site's 404 page, in its layout. */
export function notFoundPage(reply: FastifyReply, viewer: Viewer, what: string) {
  return reply.code(404).view('error', {
    ...layoutOf(viewer),
    title: 'Not found',
    heading: `This ${what} isn’t here`,
    message: `The ${what} may have been removed or made private, or the link may be mistyped.`,
  });
}

/** The friendly page for an api that cannot be reached. */
export function downPage(reply: FastifyReply, viewer: Viewer) {
  return reply.code(503).view('error', {
    ...layoutOf(viewer),
    title: 'Temporarily unavailable',
    heading: 'We’ll be right back',
    message: 'The site cannot reach its services right now. Your videos are safe; please try again in a moment.',
    retry: true,
  });
}
