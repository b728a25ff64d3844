import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError, badRequest, type Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { normalizeName } from '../http/input.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { checkPassword, normalizeBodyName } from '../users/credentials.js';
import type { AccountLimits } from './account-limits.js';
import { ACCEPTED, AcceptedSchema, NewPasswordSchema, PasswordChangeSchema, ResetRequestSchema, TokenParamsSchema } from './accounts-schemas.js';
import { normalizeEmail } from './email-address.js';
import type { PasswordService, ResetTarget } from './password-service.js';

export interface PasswordRoutesOptions {
  db: Db;
  passwords: PasswordService;
  limits: AccountLimits;
}

const tags = ['accounts'];

/** Wrong passwords count per account and per address; while either is over, the check itself is refused. */
export function passwordAttempts(limits: AccountLimits) {
  const keys = (request: FastifyRequest) => ({ user: String(sessionUserOf(request).user_id), address: limits.address(request) });
  return {
    before: async (request: FastifyRequest) => {
      const k = keys(request);
      await limits.check('passwordFailPerUser', k.user);
      await limits.check('passwordFailPerAddress', k.address);
    },
    async guard<T>(request: FastifyRequest, run: () => Promise<T>): Promise<T> {
      try {
        return await run();
      } catch (err) {
        if (err instanceof AppError && err.statusCode === 401) {
          const k = keys(request);
          await Promise.all([limits.fail('passwordFailPerUser', k.user), limits.fail('passwordFailPerAddress', k.address)]);
        }
        throw err;
      }
    },
  };
}

function resetTarget(body: { user_name?: string; email?: string }): ResetTarget {
  if ((body.email === undefined) === (body.user_name === undefined)) throw badRequest('send exactly one of body.user_name and body.email');
  return body.email !== undefined ? { email: normalizeEmail(body.email) } : { user_name: normalizeName(body.user_name ?? '') };
}

export const passwordRoutes: FastifyPluginAsyncTypebox<PasswordRoutesOptions> = async (app, opts) => {
  resetRoutes(app, opts);
  signedInRoutes(app, opts);
};

function resetRoutes(app: ApiApp, { passwords, limits }: PasswordRoutesOptions): void {
  app.post(
    '/password-reset',
    {
      onRequest: async (request) => limits.take('resetPerAddress', limits.address(request)),
      preValidation: normalizeBodyName,
      schema: {
        tags,
        summary: 'Ask for a password-reset link (the answer is the same whether or not an account matched)',
        body: ResetRequestSchema,
        response: { 202: AcceptedSchema, ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const target = resetTarget(request.body);
      await limits.take('resetPerTarget', 'email' in target ? `e:${target.email}` : `n:${target.user_name}`);
      await passwords.requestReset(target);
      return reply.code(202).send(ACCEPTED);
    },
  );

  app.post(
    '/password-reset/:token',
    {
      onRequest: async (request) => limits.take('tokenPerAddress', limits.address(request)),
      schema: {
        tags,
        summary: 'Set a new password with a reset link; every session and refresh token of the account dies',
        params: TokenParamsSchema,
        body: NewPasswordSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      checkPassword(request.body.pwd);
      await passwords.reset(request.params.token, request.body.pwd);
      return reply.code(204).send(null);
    },
  );
}

function signedInRoutes(app: ApiApp, { db, passwords, limits }: PasswordRoutesOptions): void {
  const auth = authHooks(db);
  const attempts = passwordAttempts(limits);
  app.put(
    '/user/:username/password',
    {
      onRequest: [auth.ownUser, attempts.before],
      schema: {
        tags,
        security,
        summary: 'Change the password; every other session and every refresh token dies',
        params: UserParamsSchema,
        body: PasswordChangeSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      checkPassword(request.body.pwd);
      await attempts.guard(request, () => passwords.change(sessionUserOf(request), request.body.old_pwd, request.body.pwd));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/user/:username/sessions',
    {
      onRequest: [auth.ownUser, async (request) => limits.take('sessionsPerUser', String(sessionUserOf(request).user_id))],
      schema: {
        tags,
        security,
        summary: 'Sign out everywhere: every session (this one too) and refresh token of the account dies',
        params: UserParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 429) },
      },
    },
    async (request, reply) => {
      await passwords.signOutEverywhere(sessionUserOf(request));
      return reply.code(204).send(null);
    },
  );
}
