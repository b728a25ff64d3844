import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, badRequest, findUserById, isSessionId, sessionIdFromHeaders, toIso, unauthorized, type Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { normalizeName } from '../http/input.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { checkPassword, normalizeBodyName } from './credentials.js';
import type { AuthLimits } from './sign-in-limits.js';
import { CredentialsSchema, OwnAccountSchema, SessionCreatedSchema, SessionInfoSchema } from './users-schemas.js';
import type { UsersService } from './users-service.js';

export interface UsersRoutesOptions {
  db: Db;
  users: UsersService;
  limits: AuthLimits;
}

const tags = ['users'];

export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { db, users, limits }) => {
  const auth = authHooks(db);
  signUpRoute(app, users, limits);
  signInRoute(app, users, limits);
  currentUserRoute(app, db, auth);
  signOutRoute(app, users, auth);
  sessionInfoRoute(app, auth);
  sessionSignOutRoute(app, users);
};

function signUpRoute(app: ApiApp, users: UsersService, limits: AuthLimits): void {
  app.post(
    '/user',
    {
      onRequest: limits.signUp,
      preValidation: normalizeBodyName,
      schema: {
        tags,
        summary: 'Sign up: creates the user and a session',
        body: CredentialsSchema,
        response: { 201: SessionCreatedSchema, ...errorResponses(400, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      checkPassword(request.body.pwd);
      const sessionId = await users.signUp(request.body.user_name, request.body.pwd);
      return reply.code(201).send({ success: true, session_id: sessionId });
    },
  );
}

function signInRoute(app: ApiApp, users: UsersService, limits: AuthLimits): void {
  app.post(
    '/user/:username',
    {
      onRequest: limits.signIn,
      preValidation: normalizeBodyName,
      schema: {
        tags,
        summary: 'Sign in: a new session for the user',
        params: UserParamsSchema,
        body: CredentialsSchema,
        response: { 200: SessionCreatedSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      if (request.body.user_name !== normalizeName(request.params.username)) {
        throw badRequest('body.user_name must equal the name in the path');
      }
      checkPassword(request.body.pwd);
      try {
        const sessionId = await users.signIn(request.body.user_name, request.body.pwd);
        return { success: true as const, session_id: sessionId };
      } catch (err) {
        // Only a failed credential check counts: a bad body or a success never locks anyone out.
        if (err instanceof AppError && err.statusCode === 401) await limits.signInFailed(request);
        throw err;
      }
    },
  );
}

function currentUserRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.get(
    '/user/:username',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'The signed-in user',
        params: UserParamsSchema,
        response: { 200: OwnAccountSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const user = sessionUserOf(request);
      const row = await findUserById(db.kysely, user.user_id);
      if (!row) throw unauthorized('session is unknown or expired');
      return { id: user.user_id, user_name: user.user_name, email: row.email, email_verified: row.email_verified === 1, role: row.role };
    },
  );
}

function signOutRoute(app: ApiApp, users: UsersService, auth: AuthHooks): void {
  app.delete(
    '/user/:username',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Sign out: the session dies at once on every instance',
        params: UserParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await users.signOut(sessionUserOf(request).session_id);
      return reply.code(204).send(null);
    },
  );
}

function sessionInfoRoute(app: ApiApp, auth: AuthHooks): void {
  app.get(
    '/session',
    {
      onRequest: auth.anyUser,
      schema: {
        tags: ['session'],
        security,
        summary: "The caller's session: its user and when it expires",
        response: { 200: SessionInfoSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const s = sessionUserOf(request);
      return { id: s.user_id, user_name: s.user_name, role: s.role, expires_at: toIso(Number(s.expires_at)) };
    },
  );
}

function sessionSignOutRoute(app: ApiApp, users: UsersService): void {
  app.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        security,
        summary: 'Sign out by session alone (idempotent: an unknown or expired session is already out)',
        response: { 204: Type.Null(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const sessionId = sessionIdFromHeaders(request.headers);
      if (!sessionId) throw unauthorized('no session: send X-Session-Id');
      if (isSessionId(sessionId)) await users.signOut(sessionId);
      return reply.code(204).send(null);
    },
  );
}
