import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as oidc from 'openid-client';
import type { Config, OidcProviderConfig } from '@video/shared/config';
import { AppError } from '@video/shared/contract';
import type { ApiGateway } from './api-gateway.js';
import type { IdentityGateway, VerifiedIdentity } from './identity-gateway.js';
import { OidcClients, ProviderUnavailable } from './oidc-clients.js';
import { STATE_COOKIE, STATE_TTL_MS, StateSealer, type PendingSignIn } from './oidc-state.js';
import { requestSessionId, setSessionCookie } from './session-cookie.js';
import { parseJson, type UpstreamResponse } from '../proxy/upstream-client.js';
import { safeNext, siteOrigin } from '../pages/page-models.js';

export interface OidcRoutesOptions {
  config: Config;
  api: ApiGateway;
  identities: IdentityGateway;
  clients: OidcClients;
}

// An unknown provider, however spelled, is the 404 page; the callback's query is read as the provider
// sent it (openid-client checks it), so an odd one is a refused sign-in page rather than a JSON 400.
const ParamsSchema = Type.Object({ provider: Type.String() });
const StartQuerySchema = Type.Object({ next: Type.Optional(Type.String({ maxLength: 400 })) });
const html = { 200: Type.String(), 302: Type.Null(), '4xx': Type.String(), '5xx': Type.String() };

/** A sign-in that did not happen: the site's error page, and no session. */
function failPage(reply: FastifyReply, status: number, heading: string, message: string) {
  return reply.code(status).view('error', { userName: null, title: 'Sign-in failed', heading, message });
}

const notFound = (reply: FastifyReply) =>
  reply.code(404).view('error', { userName: null, title: 'Not found', heading: 'This sign-in provider isn’t here', message: 'The link may be mistyped, or the provider is no longer offered.' });

/** What the provider says the person would like to be called, for a new account's name. */
export function nameHintOf(claims: oidc.IDToken): string | undefined {
  for (const value of [claims.preferred_username, claims.name, typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined]) {
    if (typeof value === 'string' && value.trim() !== '') return value.slice(0, 500);
  }
  return undefined;
}

function errorOf(res: UpstreamResponse): string {
  const body = parseJson(res.text) as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : 'the sign-in was refused';
}

function stateCookieOptions(config: Config) {
  return { path: '/auth/', httpOnly: true, sameSite: 'lax' as const, secure: config.cookie_secure };
}

/**
 * Single sign-on: `GET /auth/:provider` sends the browser to the provider (authorization code with
 * PKCE S256, state and nonce, kept in a sealed 10-minute cookie); `GET /auth/:provider/callback`
 * checks the answer, exchanges the code (openid-client checks the ID token's signature against the
 * provider's JWKS, iss, aud, exp and nonce) and asks the api for the account: signed in already,
 * the identity is linked to the current account instead.
 */
export async function oidcRoutes(appBase: FastifyInstance, opts: OidcRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { config, clients } = opts;
  const sealer = new StateSealer(config.internal_token);
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  const redirectUriOf = (request: FastifyRequest, provider: OidcProviderConfig) => {
    const origin = config.public_url.replace(/\/+$/, '') || siteOrigin(request.protocol, request.host, `127.0.0.1:${config.web_port}`);
    return `${origin}/auth/${provider.id}/callback`;
  };

  app.get('/auth/:provider', { schema: { params: ParamsSchema, querystring: StartQuerySchema, response: html } }, async (request, reply) => {
    const provider = clients.provider(request.params.provider);
    if (!provider) return notFound(reply);
    let configuration: oidc.Configuration;
    try {
      configuration = await clients.configuration(provider);
    } catch (err) {
      request.log.warn({ err, provider: provider.id }, 'sign-in provider unavailable');
      return reply.code(503).view('error', { userName: null, title: 'Sign-in unavailable', heading: `${provider.name} cannot be reached`, message: 'Signing in with it does not work right now. Please try again in a moment, or sign in another way.', retry: true });
    }
    const next = safeNext(request.query.next);
    const pending: PendingSignIn = {
      provider: provider.id,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      redirectUri: redirectUriOf(request, provider),
      ...(next ? { next } : {}),
      expiresAt: Date.now() + STATE_TTL_MS,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: pending.redirectUri,
      scope: 'openid profile email',
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    reply.setCookie(STATE_COOKIE, sealer.seal(pending), { ...stateCookieOptions(config), maxAge: STATE_TTL_MS / 1000 });
    return reply.redirect(url.href, 302);
  });

  app.get('/auth/:provider/callback', { schema: { params: ParamsSchema, response: html } }, async (request, reply) => {
    const provider = clients.provider(request.params.provider);
    if (!provider) return notFound(reply);
    // One try per started sign-in, whatever happens next.
    reply.clearCookie(STATE_COOKIE, stateCookieOptions(config));
    const pending = sealer.open(request.cookies[STATE_COOKIE]);
    if (!pending || pending.provider !== provider.id) {
      return failPage(reply, 400, 'This sign-in has expired', 'It was not started in this browser, took longer than 10 minutes, or was used already. Please start again.');
    }
    const identity = await verifiedIdentity(request, provider, pending, clients);
    if ('failed' in identity) return failPage(reply, 400, `Signing in with ${provider.name} failed`, identity.failed);
    return finish(request, reply, opts, identity.ok, pending.next);
  });
}

/** The provider's answer checked and its code exchanged: who the person is there, or why not. */
async function verifiedIdentity(
  request: FastifyRequest,
  provider: OidcProviderConfig,
  pending: PendingSignIn,
  clients: OidcClients,
): Promise<{ ok: VerifiedIdentity } | { failed: string }> {
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  const params = new URLSearchParams(query);
  const error = params.get('error');
  if (error !== null) {
    const code = /^[a-z_]{1,64}$/.test(error) ? ` (${error})` : '';
    return { failed: `${provider.name} did not sign you in${code}. Please try again, or sign in another way.` };
  }
  try {
    const configuration = await clients.configuration(provider);
    const tokens = await oidc.authorizationCodeGrant(configuration, new URL(pending.redirectUri + query), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || typeof claims.sub !== 'string' || claims.sub === '' || claims.sub.length > 255) return { failed: 'The provider’s answer names no account.' };
    return { ok: { provider: provider.id, subject: claims.sub, nameHint: nameHintOf(claims) } };
  } catch (err) {
    request.log.warn({ provider: provider.id, reason: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code }, 'single sign-on callback refused');
    if (err instanceof ProviderUnavailable) return { failed: `${provider.name} cannot be reached right now. Please try again in a moment.` };
    return { failed: 'The provider’s answer could not be verified. Please start again.' };
  }
}

/** Signed in already: link the identity to that account; else sign in (or up) with it. */
async function finish(request: FastifyRequest, reply: FastifyReply, opts: OidcRoutesOptions, identity: VerifiedIdentity, next: string | undefined) {
  try {
    const sessionId = requestSessionId(request);
    const current = sessionId ? await opts.api.session(request, sessionId) : null;
    if (sessionId && current) {
      const res = await opts.identities.link(request, sessionId, identity);
      if (res.status === 204) return reply.redirect(next ?? '/settings', 302);
      if (res.status === 409) return failPage(reply, 409, 'This sign-in belongs to another account', `${errorOf(res)}.`);
      return failPage(reply, res.status >= 500 ? 503 : 400, 'Linking failed', errorOf(res));
    }
    const res = await opts.identities.signIn(request, identity);
    const body = parseJson(res.text) as { session_id?: unknown } | undefined;
    if (res.status === 200 && typeof body?.session_id === 'string') {
      setSessionCookie(reply, opts.config, body.session_id);
      return reply.redirect(next ?? '/userhome', 302);
    }
    if (res.status === 403) return failPage(reply, 403, 'This account cannot sign in', errorOf(res));
    request.log.error({ status: res.status }, 'api refused a verified single sign-on');
    return failPage(reply, res.status >= 500 ? 503 : 400, 'Sign-in failed', 'The site could not sign you in. Please try again in a moment.');
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 503) return failPage(reply, 503, 'We’ll be right back', 'The site cannot reach its services right now. Please try again in a moment.');
    throw err;
  }
}
