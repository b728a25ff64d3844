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
import { CredentialsSchema, OwnAccountSchema, SessionCreatedSchema, SessionInfoSchema, SignUpSchema } from './users-schemas.js';
import type { AccountHooks } from '../accounts/accounts-plugin.js';
import { ownAccount } from '../accounts/own-account.js';
import type { UsersService } from './users-service.js';

export interface UsersRoutesOptions {
  db: Db;
  users: UsersService;
  limits: AuthLimits;
  tokens: TokensService;
  /** Email at sign-up and account deletion (accounts/); without it neither is offered. */
  accounts?: AccountHooks;
}

const tags = ['users'];

export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { db, users, limits, tokens, accounts }) => {
  const auth = authHooks(db);
  signUpRoute(app, users, limits, accounts);
  signInRoute(app, users, limits);
  currentUserRoute(app, db, auth);
  const signOut = signOutOf(users, tokens);
  signOutRoute(app, signOut, auth, accounts);
  sessionInfoRoute(app, auth);
  sessionSignOutRoute(app, db, signOut);
};

function signUpRoute(app: ApiApp, users: UsersService, limits: AuthLimits, accounts?: AccountHooks): void {
  app.post(
    '/user',
    {
      onRequest: limits.signUp,
      preValidation: normalizeBodyName,
      schema: {
        tags,
        summary: 'Sign up: creates the user and a session',
        body: SignUpSchema,
        response: { 201: SessionCreatedSchema, ...errorResponses(400, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      checkPassword(request.body.pwd);
      const email = accounts?.parseSignUpEmail(request.body.email);
      const sessionId = await users.signUp(request.body.user_name, request.body.pwd);
      if (email !== undefined) await accounts?.afterSignUp(request.body.user_name, email);
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
    async (request) => ownAccount(db.kysely, sessionUserOf(request).user_id),
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

function signOutRoute(app: ApiApp, signOut: (user: SessionUser) => Promise<void>, auth: AuthHooks, accounts?: AccountHooks): void {
  app.delete(
    '/user/:username',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Sign out: the session dies at once on every instance. With a body {"pwd"}: delete the account',
        params: UserParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      if (accounts && request.body !== undefined && request.body !== null) {
        await accounts.deleteOwnAccount(request);
        return reply.code(204).send(null);
      }
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
