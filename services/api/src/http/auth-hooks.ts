import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, optionalSession, requireSession, sessionIdFromHeaders, type Db, type SessionUser } from '@video/shared';
import { normalizeName } from './input.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, set by the authenticate hooks. */
    sessionUser: SessionUser | null;
  }
}

/** Declares request.sessionUser once per app (a plugin used on its own declares it itself). */
export function decorateSessionUser(app: FastifyInstance): void {
  if (!app.hasRequestDecorator('sessionUser')) app.decorateRequest('sessionUser', null);
}

/** The user set by an authenticate hook; routes that use it always run one. */
export function sessionUserOf(request: FastifyRequest): SessionUser {
  if (!request.sessionUser) throw new Error('route has no authenticate hook');
  return request.sessionUser;
}

/**
 * onRequest hooks, so authentication (401) and ownership (403) are decided before the body is read
 * or validated: a stranger learns nothing about a route's input rules or about which names exist.
 */
export function authHooks(db: Db) {
  return {
    anyUser: async (request: FastifyRequest) => {
      request.sessionUser = await requireSession(db, sessionIdFromHeaders(request.headers));
    },
    /** Public reads: the session's user when the session is valid, else a visitor (never a 401). */
    maybeUser: async (request: FastifyRequest) => {
      request.sessionUser = await optionalSession(db, sessionIdFromHeaders(request.headers));
    },
    /** "own": the session's user is :username, else 403 whether or not :username exists. */
    ownUser: async (request: FastifyRequest) => {
      const user = await requireSession(db, sessionIdFromHeaders(request.headers));
      const { username } = request.params as { username?: string };
      if (typeof username !== 'string' || normalizeName(username) !== user.user_name) {
        throw forbidden('this belongs to another user');
      }
      request.sessionUser = user;
    },
  };
}

/** The signed-in user's id on a route with maybeUser, or null for a visitor. */
export function viewerIdOf(request: FastifyRequest): number | null {
  return request.sessionUser?.user_id ?? null;
}

export type AuthHooks = ReturnType<typeof authHooks>;
