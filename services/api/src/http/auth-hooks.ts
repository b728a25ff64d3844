import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, optionalUser, requireUser, type Db, type SessionUser, type UserAuth } from '@video/shared';
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
      request.sessionUser = await requireUser(userAuth(db, request), request.headers);
    },
    /**
     * Public reads: the caller's user when the session is valid, else a visitor. An unknown or
     * expired session makes a visitor; a bearer token that fails is a 401 (require-session.ts).
     */
    maybeUser: async (request: FastifyRequest) => {
      request.sessionUser = await optionalUser(userAuth(db, request), request.headers);
    },
    /** "own": the session's user is :username, else 403 whether or not :username exists. */
    ownUser: async (request: FastifyRequest) => {
      const user = await requireUser(userAuth(db, request), request.headers);
      const { username } = request.params as { username?: string };
      if (typeof username !== 'string' || normalizeName(username) !== user.user_name) {
        throw forbidden('this belongs to another user');
      }
      request.sessionUser = user;
    },
  };
}

/**
 * What checking a caller needs: the route's database and the app's token keys. A session id
 * (X-Session-Id or the cookie) and an `Authorization: Bearer` access token are both accepted.
 */
export function userAuth(db: Db, request: FastifyRequest): UserAuth {
  return { db, tokenKeys: request.server.tokenKeys };
}

/** The signed-in user's id on a route with maybeUser, or null for a visitor. */
export function viewerIdOf(request: FastifyRequest): number | null {
  return request.sessionUser?.user_id ?? null;
}

export type AuthHooks = ReturnType<typeof authHooks>;
