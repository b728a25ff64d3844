import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '@video/shared/config';
import { ErrorCodes } from '@video/shared/contract';
import type { IdentityGateway } from './identity-gateway.js';
import { setSessionCookie } from './session-cookie.js';
import { parseJson } from '../proxy/upstream-client.js';
import { ErrorSchema, SignedInSchema } from '../schemas.js';

export interface PhoneSignInOptions {
  config: Config;
  identities: IdentityGateway;
}

const BodySchema = Type.Object({ phone: Type.String({ maxLength: 32 }), code: Type.String({ maxLength: 16 }) });

/**
 * `POST /signin/phone {"phone","code"}`: the api's phone sign-in, with its session turned into the
 * HttpOnly cookie as /signin does, so no script ever holds the session id. The api's errors come back
 * as they are (status, body, Retry-After).
 */
export async function phoneSignInRoute(appBase: FastifyInstance, opts: PhoneSignInOptions): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/signin/phone',
    { schema: { body: BodySchema, response: { 200: SignedInSchema, '4xx': ErrorSchema, '5xx': ErrorSchema } } },
    async (request, reply) => {
      const res = await opts.identities.phoneSignIn(request, request.body.phone, request.body.code);
      const body = parseJson(res.text) as { session_id?: unknown; user_name?: unknown; error?: unknown; error_code?: unknown } | undefined;
      if (res.status === 200 && typeof body?.session_id === 'string' && typeof body.user_name === 'string') {
        setSessionCookie(reply, opts.config, body.session_id);
        return { success: true as const, user_name: body.user_name };
      }
      const retryAfter = res.headers['retry-after'];
      if (typeof retryAfter === 'string') reply.header('retry-after', retryAfter);
      const status = res.status >= 400 ? res.status : 502;
      const code = typeof body?.error_code === 'string' ? body.error_code : ErrorCodes.INTERNAL.code;
      return reply.code(status).send({ error: typeof body?.error === 'string' ? body.error : 'phone sign-in failed', error_code: code });
    },
  );
}
