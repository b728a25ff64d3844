import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, rateLimitAddress } from '@video/shared';
import { errorResponses } from '../http/common-schemas.js';
import { retryLater, type LimitHook, type LimiterFactory } from '../http/rate-limits.js';
import type { ApiApp } from '../http/route-types.js';
import { checkPassword, normalizeBodyName } from '../users/credentials.js';
import type { AuthLimits } from '../users/sign-in-limits.js';
import { CredentialsSchema } from '../users/users-schemas.js';
import { RefreshBodySchema, TokenPairSchema } from './tokens-schemas.js';
import type { TokensService } from './tokens-service.js';

export interface TokensRoutesOptions {
  tokens: TokensService;
  /** The sign-in limits password sign-in uses: tokens cannot be a way around them. */
  limits: AuthLimits;
  limiter: LimiterFactory;
  /** signin_rate_limit: refreshes per address are this × 6 a minute. */
  signinRateLimit: number;
}

const tags = ['tokens'];
const PAIR_NOTE =
  'The access token is a JWT (`iss` urn:video:api, `aud` urn:video:services, `sub` the user id, `exp` 15 minutes) ' +
  'accepted as `Authorization: Bearer` by every service wherever `X-Session-Id` is. The refresh token is opaque, ' +
  'lasts 30 days and works once.';

export const tokensRoutes: FastifyPluginAsyncTypebox<TokensRoutesOptions> = async (app, opts) => {
  const perAddress = opts.limiter({ name: 'token-refresh-ip', max: opts.signinRateLimit * 6, windowMs: 60_000 });
  const refreshLimit: LimitHook = async (request) => {
    const wait = await perAddress.take(rateLimitAddress(request.ip));
    if (wait > 0) throw retryLater(wait, 'too many token refreshes from this address');
  };
  issueRoute(app, opts);
  refreshRoute(app, opts.tokens, refreshLimit);
  revokeRoute(app, opts.tokens, refreshLimit);
};

function issueRoute(app: ApiApp, { tokens, limits }: TokensRoutesOptions): void {
  app.post(
    '/tokens',
    {
      preValidation: normalizeBodyName,
      // After validation: the limit counts the body's user name, as sign-in counts the path's.
      preHandler: limits.signIn,
      schema: {
        tags,
        summary: 'Tokens for an API client: an access token and a refresh token for a user name and password',
        description: `${PAIR_NOTE} The same checks and the same failed-attempt limit as password sign-in; a banned account is 403 with the reason.`,
        body: CredentialsSchema,
        response: { 200: TokenPairSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      checkPassword(request.body.pwd);
      try {
        return await tokens.issue(request.body.user_name, request.body.pwd);
      } catch (err) {
        if (err instanceof AppError && err.statusCode === 401) await limits.signInFailed(request);
        throw err;
      }
    },
  );
}

function refreshRoute(app: ApiApp, tokens: TokensService, limit: LimitHook): void {
  app.post(
    '/tokens/refresh',
    {
      onRequest: limit,
      schema: {
        tags,
        summary: 'Trades a refresh token for a new pair; the old one dies',
        description:
          `${PAIR_NOTE} A refresh token that was already used or revoked revokes its whole family (every token ` +
          'descended from the same POST /tokens), since someone else holds a copy: 401. Unknown, expired or malformed: 401.',
        body: RefreshBodySchema,
        response: { 200: TokenPairSchema, ...errorResponses(400, 401, 413, 429) },
      },
    },
    async (request) => tokens.refresh(request.body.refresh_token),
  );
}

function revokeRoute(app: ApiApp, tokens: TokensService, limit: LimitHook): void {
  app.post(
    '/tokens/revoke',
    {
      onRequest: limit,
      schema: {
        tags,
        summary: "Signs an API client out: its refresh token's family dies (RFC 7009: unknown tokens are 204 too)",
        description: 'Access tokens already issued stay valid until they expire (at most 15 minutes).',
        body: RefreshBodySchema,
        response: { 204: Type.Null(), ...errorResponses(400, 413, 429) },
      },
    },
    async (request, reply) => {
      await tokens.revoke(request.body.refresh_token);
      return reply.code(204).send(null);
    },
  );
}
