import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Config } from '@video/shared/config';
import { SESSION_COOKIE, sessionIdFromHeaders } from '@video/shared/contract';

export { SESSION_COOKIE };

export function cookieOptions(config: Pick<Config, 'cookie_secure'>): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: config.cookie_secure };
}

/** The session a browser request carries: X-Session-Id when present, else the cookie. */
export function requestSessionId(request: FastifyRequest): string | undefined {
  return sessionIdFromHeaders(request.headers);
}

export function setSessionCookie(reply: FastifyReply, config: Pick<Config, 'cookie_secure'>, sessionId: string): void {
  reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions(config));
}

export function clearSessionCookie(reply: FastifyReply, config: Pick<Config, 'cookie_secure'>): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(config));
}

/**
 * True for a plain HTML form navigation (no script): the browser wants a page back, so the answer is a
 * redirect instead of JSON. Script calls and REST clients ask for JSON or nothing in particular.
 */
export function wantsRedirect(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  const accept = request.headers.accept ?? '';
  return type.startsWith('application/x-www-form-urlencoded') && accept.includes('text/html');
}
