import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, badRequest, credentialFromHeaders, findUserById, isSessionId, requireBearer, toIso, unauthorized, type Db, type SessionUser } from '@video/shared';
import { authHooks, sessionUserOf, userAuth, type AuthHooks } from '../http/auth-hooks.js';
import type { TokensService } from '../tokens/tokens-service.js';
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
  tokens: TokensService;
}

const tags = ['users'];

export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { db, users, limits, tokens }) => {
  const auth = authHooks(db);
  signUpRoute(app, users, limits);
  signInRoute(app, users, limits);
  currentUserRoute(app, db, auth);
  const signOut = signOutOf(users, tokens);
  signOutRoute(app, signOut, auth);
  sessionInfoRoute(app, auth);
  sessionSignOutRoute(app, db, signOut);
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
        response: { 200: SessionCreatedSchema, ...errorResponses(400, 401, 413, 429) },
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

/**
 * Signing out ends what the caller signed in with: its session, or for an access token the
 * refresh-token family it came from (the access token itself runs out within 15 minutes).
 */
function signOutOf(users: UsersService, tokens: TokensService) {
  return async (user: SessionUser): Promise<void> => {
    if (user.session_id !== '') await users.signOut(user.session_id);
    else await tokens.revokeFamily(user.token_family ?? '');
  };
}

function signOutRoute(app: ApiApp, signOut: (user: SessionUser) => Promise<void>, auth: AuthHooks): void {
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
      await signOut(sessionUserOf(request));
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

function sessionSignOutRoute(app: ApiApp, db: Db, signOut: (user: SessionUser) => Promise<void>): void {
  app.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        security,
        summary: 'Sign out by session alone (idempotent: an unknown or expired session is already out)',
        description:
          "With only a bearer token, the refresh tokens of the token's family die; the access token lives until it " +
          'expires (at most 15 minutes). A bad token is 401.',
        response: { 204: Type.Null(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const credential = credentialFromHeaders(request.headers);
      if (!credential) throw unauthorized('no session: send X-Session-Id');
      if (credential.kind === 'bearer') await signOut(await requireBearer(userAuth(db, request), credential.token));
      else if (isSessionId(credential.sessionId)) await signOut({ session_id: credential.sessionId } as SessionUser);
      return reply.code(204).send(null);
    },
  );
}
