import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '@video/shared/config';
import { AppError } from '@video/shared/contract';
import type { ApiGateway, SessionInfo } from '../auth/api-gateway.js';
import { formErrorText } from '../edge/edge-rules.js';
import { SESSION_COOKIE, clearSessionCookie } from '../auth/session-cookie.js';

interface PagesOptions {
  config: Config;
  api: ApiGateway;
}

const HomeQuerySchema = Type.Object({
  form: Type.Optional(Type.Union([Type.Literal('signin'), Type.Literal('signup')])),
  error: Type.Optional(Type.String({ maxLength: 500 })),
});

type Lookup = { user: SessionInfo } | { user: null } | { down: AppError };

/** Who the session cookie belongs to; an unknown or expired cookie is removed on the way. */
async function lookup(request: FastifyRequest, reply: FastifyReply, opts: PagesOptions): Promise<Lookup> {
  const sessionId = request.cookies[SESSION_COOKIE];
  if (!sessionId) return { user: null };
  try {
    const user = await opts.api.session(request, sessionId);
    if (!user) clearSessionCookie(reply, opts.config);
    return { user };
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 503) return { down: err };
    throw err;
  }
}

export async function pagesRoutes(appBase: FastifyInstance, opts: PagesOptions): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 503: Type.String() };

  // Pages depend on the session, so no cache may keep them.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/', { schema: { querystring: HomeQuerySchema, response: html } }, async (request, reply) => {
    const found = await lookup(request, reply, opts);
    if ('user' in found && found.user) return reply.redirect('/userhome', 302);
    const notice = 'down' in found ? 'The site cannot reach its services right now. Please try again in a moment.' : '';
    return reply.view('home', {
      title: 'Welcome',
      notice,
      form: request.query.form ?? 'signin',
      error: formErrorText(request.query.error),
    });
  });

  app.get('/userhome', { schema: { response: html } }, async (request, reply) => {
    const found = await lookup(request, reply, opts);
    if ('down' in found) {
      return reply.code(503).view('error', {
        title: 'Temporarily unavailable',
        heading: 'We’ll be right back',
        message: 'The site cannot reach its services right now. Your videos are safe; please try again in a moment.',
      });
    }
    if (!found.user) return reply.redirect('/', 302);
    return reply.view('userhome', {
      title: found.user.user_name,
      userName: found.user.user_name,
      maxUploadMb: opts.config.max_upload_mb,
    });
  });
}
