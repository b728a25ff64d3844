import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '@video/shared/config';
import { ErrorCodes } from '@video/shared/contract';
import type { ApiGateway } from './api-gateway.js';
import { parseJson, type UpstreamResponse } from '../proxy/upstream-client.js';
import { CredentialsSchema, ErrorSchema, SignedInSchema, type Credentials } from '../schemas.js';
import { clearSessionCookie, requestSessionId, setSessionCookie, wantsRedirect } from './session-cookie.js';

interface AuthOptions {
  config: Config;
  api: ApiGateway;
}

const errorResponses = { '4xx': ErrorSchema, '5xx': ErrorSchema };

/**
 * The api's answer to a failed sign-up or sign-in goes back as it came (status, error, error_code,
 * Retry-After). A form navigation instead returns to the home page with the error's code.
 */
function passThroughError(request: FastifyRequest, reply: FastifyReply, res: UpstreamResponse, form: string) {
  const body = parseJson(res.text) as { error?: unknown; error_code?: unknown } | undefined;
  const error = typeof body?.error === 'string' ? body.error : 'request failed';
  const code = typeof body?.error_code === 'string' ? body.error_code : res.status >= 500 ? ErrorCodes.INTERNAL.code : ErrorCodes.BAD_REQUEST.code;
  if (wantsRedirect(request)) {
    // Only the code travels: the home page shows its own fixed text for it, never query text.
    return reply.redirect(`/?form=${form}&error=${encodeURIComponent(code)}`, 303);
  }
  const retryAfter = res.headers['retry-after'];
  if (typeof retryAfter === 'string') reply.header('retry-after', retryAfter);
  return reply.code(res.status).send({ error, error_code: code });
}

function sessionIdOf(res: UpstreamResponse): string | undefined {
  const body = parseJson(res.text) as { session_id?: unknown } | undefined;
  return typeof body?.session_id === 'string' ? body.session_id : undefined;
}

export async function authRoutes(appBase: FastifyInstance, opts: AuthOptions): Promise<void> {
  const { config, api } = opts;
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  // Plain HTML forms work without script; the parser lives in this scope only, so it never touches
  // proxied bodies.
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  const finish = async (
    request: FastifyRequest,
    reply: FastifyReply,
    res: UpstreamResponse,
    creds: Credentials,
    okStatus: 200 | 201,
    form: string,
  ) => {
    const sessionId = res.status === okStatus ? sessionIdOf(res) : undefined;
    if (!sessionId) {
      if (res.status === okStatus) request.log.error('api answered without a session id');
      return passThroughError(request, reply, res, form);
    }
    setSessionCookie(reply, config, sessionId);
    if (wantsRedirect(request)) return reply.redirect('/userhome', 303);
    return reply.code(okStatus).send({ success: true as const, user_name: creds.user_name });
  };

  app.post(
    '/signup',
    { schema: { body: CredentialsSchema, response: { 201: SignedInSchema, 303: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const res = await api.signUp(request, request.body.user_name, request.body.pwd);
      return finish(request, reply, res, request.body, 201, 'signup');
    },
  );

  app.post(
    '/signin',
    { schema: { body: CredentialsSchema, response: { 200: SignedInSchema, 303: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const res = await api.signIn(request, request.body.user_name, request.body.pwd);
      return finish(request, reply, res, request.body, 200, 'signin');
    },
  );

  // Sign-out by session alone; the cookie goes even when the session is already dead.
  app.post(
    '/signout',
    { schema: { response: { 204: Type.Null(), 303: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const sessionId = requestSessionId(request);
      clearSessionCookie(reply, config);
      if (sessionId) {
        const res = await api.signOut(request, sessionId);
        if (res.status >= 500) return passThroughError(request, reply, res, 'signin');
      }
      if (wantsRedirect(request)) return reply.redirect('/', 303);
      return reply.code(204).send(null);
    },
  );
}
