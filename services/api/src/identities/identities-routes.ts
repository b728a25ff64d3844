import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { toIso, type Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security } from '../http/route-types.js';
import { IdentityBodySchema, IdentityListSchema, IdentitySignedInSchema, ProviderParamsSchema } from './identities-schemas.js';
import type { IdentitiesService } from './identities-service.js';
import { requireInternalToken } from './internal-token.js';

export interface IdentitiesRoutesOptions {
  db: Db;
  identities: IdentitiesService;
  internalToken: string;
}

const tags = ['identities'];
const UserOnlyParams = Type.Object({ username: Type.String() });

/**
 * Single sign-on accounts. The web checks the provider's answer (state, PKCE, the ID token) and then
 * calls the two internal routes with X-Internal-Token: only the web can say "this person is subject S
 * at provider P". The signed-in user lists and unlinks their identities through the public routes.
 */
export const identitiesRoutes: FastifyPluginAsyncTypebox<IdentitiesRoutesOptions> = async (app, { db, identities, internalToken }) => {
  const auth = authHooks(db);
  const internal = requireInternalToken(internalToken);

  app.post(
    '/internal/identities/signin',
    {
      onRequest: internal,
      schema: { hide: true, body: IdentityBodySchema, response: { 200: IdentitySignedInSchema, ...errorResponses(400, 401, 403) } },
    },
    async (request) => {
      const { provider, subject, name_hint: nameHint } = request.body;
      return { success: true as const, ...(await identities.signIn({ provider, subject, nameHint })) };
    },
  );

  app.post(
    '/internal/identities/link',
    {
      onRequest: [internal, auth.anyUser],
      schema: { hide: true, body: IdentityBodySchema, response: { 204: Type.Null(), ...errorResponses(400, 401, 409) } },
    },
    async (request, reply) => {
      await identities.link(sessionUserOf(request).user_id, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/user/:username/identities',
    {
      onRequest: auth.ownUser,
      schema: { tags, security, summary: 'The sign-in providers linked to the account', params: UserOnlyParams, response: { 200: IdentityListSchema, ...errorResponses(401, 403) } },
    },
    async (request) => {
      const rows = await identities.list(sessionUserOf(request).user_id);
      return { identities: rows.map((r) => ({ provider: r.provider, linked_at: toIso(Number(r.create_time)) })) };
    },
  );

  app.delete(
    '/user/:username/identities/:provider',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Unlinks a sign-in provider (409 when it is the last way to sign in)',
        params: ProviderParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await identities.unlink(sessionUserOf(request).user_id, request.params.provider);
      return reply.code(204).send(null);
    },
  );
};
