import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security } from '../http/route-types.js';
import type { AccountLimits } from './account-limits.js';
import { AcceptedSchema, EmailBodySchema, OwnAccountSchema, TokenBodySchema } from './accounts-schemas.js';
import { normalizeEmail } from './email-address.js';
import type { EmailService } from './email-service.js';

export interface EmailRoutesOptions {
  db: Db;
  email: EmailService;
  limits: AccountLimits;
}

const tags = ['accounts'];

/** Setting the account's address, a new verification link, and following one. */
export const emailRoutes: FastifyPluginAsyncTypebox<EmailRoutesOptions> = async (app, { db, email, limits }) => {
  const auth = authHooks(db);
  const perUser = (rule: 'emailChangePerUser' | 'resendPerUser') => async (request: FastifyRequest) =>
    limits.take(rule, String(sessionUserOf(request).user_id));
  const perAddress = async (request: FastifyRequest) => limits.take('emailChangePerAddress', limits.address(request));

  app.patch(
    '/user/:username',
    {
      onRequest: [auth.ownUser, perUser('emailChangePerUser'), perAddress],
      schema: {
        tags,
        security,
        summary: 'Set or change the email address (unverified until its link is followed)',
        params: UserParamsSchema,
        body: EmailBodySchema,
        response: { 200: OwnAccountSchema, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request) => email.change(sessionUserOf(request), normalizeEmail(request.body.email)),
  );

  app.post(
    '/user/:username/email/verify',
    {
      onRequest: [auth.ownUser, perUser('resendPerUser')],
      schema: {
        tags,
        security,
        summary: 'Send the verification link again (older links die)',
        params: UserParamsSchema,
        response: { 202: AcceptedSchema, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      await email.resend(sessionUserOf(request));
      return reply.code(202).send({ success: true, message: 'a verification link is on its way' });
    },
  );

  app.post(
    '/email-verification',
    {
      onRequest: async (request) => limits.take('tokenPerAddress', limits.address(request)),
      schema: {
        tags,
        summary: 'Follow a verification link: the address it was sent to is verified',
        body: TokenBodySchema,
        response: { 204: Type.Null(), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await email.verify(request.body.token);
      return reply.code(204).send(null);
    },
  );
};
