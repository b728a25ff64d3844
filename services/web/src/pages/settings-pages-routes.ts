import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiGateway } from '../auth/api-gateway.js';
import { parseJson, type UpstreamResponse } from '../proxy/upstream-client.js';
import { downPage, layoutOf, lookup, type PagesOptions, type Viewer } from './page-context.js';
import { signinPath } from './page-models.js';
import { PublicApi } from './public-api.js';
import { settingsExtras } from './settings-extras.js';

/** The shape of a mailed token (32 bytes, base64url); anything else never reaches the api. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
const TokenQuerySchema = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });
const TokenParamsSchema = Type.Object({ token: Type.String({ maxLength: 200 }) });
const TokenFormSchema = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });
const WhoFormSchema = Type.Object({ who: Type.Optional(Type.String({ maxLength: 300 })) });
const PwdFormSchema = Type.Object({ pwd: Type.Optional(Type.String({ maxLength: 300 })), pwd2: Type.Optional(Type.String({ maxLength: 300 })) });

interface Account {
  id: number;
  user_name: string;
  email: string | null;
  email_verified: boolean;
}

const asAccount = (v: unknown): Account | undefined =>
  v && typeof v === 'object' && typeof (v as Account).user_name === 'string' ? (v as Account) : undefined;

/** The api's error message for a page, or a fixed one for statuses whose text is not for people. */
function failure(res: UpstreamResponse): string {
  if (res.status === 429) return 'Too many attempts. Please wait a little and try again.';
  if (res.status >= 500) return 'The site cannot reach its services right now. Please try again in a moment.';
  const body = parseJson(res.text) as { error?: unknown } | undefined;
  const text = typeof body?.error === 'string' ? body.error : 'That did not work.';
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `/settings`, and the pages behind the mailed links: `/verify-email` and `/reset-password`. */
export async function settingsPagesRoutes(appBase: FastifyInstance, opts: PagesOptions): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  app.addHook('onRequest', async (_request, reply) => {
    // The token is in the address: no cache keeps it (the edge's Referrer-Policy keeps it on this site).
    reply.header('cache-control', 'no-store');
  });
  const pub = new PublicApi(opts.api);
  const html = { 200: Type.String(), 302: Type.Null(), 400: Type.String(), 429: Type.String(), 503: Type.String() };
  const post = (request: FastifyRequest, path: string, body: unknown) =>
    opts.api.client.request({
      method: 'POST',
      path,
      headers: ApiGateway.forwarded(request, { 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
  /** A page that follows a mailed link: the viewer may or may not be signed in. */
  const view = async (request: FastifyRequest, reply: FastifyReply, template: string, model: Record<string, unknown>, status = 200) => {
    const viewer: Viewer = await lookup(request, reply, opts);
    return reply.code(status).view(template, { ...('down' in viewer ? { userName: null } : layoutOf(viewer)), ...model });
  };

  app.get('/settings', { schema: { response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, opts);
    if ('down' in viewer) return downPage(reply, viewer);
    if (!viewer.user || !viewer.sessionId) return reply.redirect(signinPath('/settings'), 302);
    const account = await pub.read(request, `/user/${encodeURIComponent(viewer.user.user_name)}`, viewer.sessionId, asAccount);
    if (!('ok' in account)) return downPage(reply, viewer);
    return reply.view('settings', {
      ...layoutOf(viewer),
      title: 'Settings',
      account: account.ok,
      ...(await settingsExtras(request, viewer.sessionId, pub)),
    });
  });

  app.get('/verify-email', { schema: { querystring: TokenQuerySchema, response: html } }, async (request, reply) => {
    const token = request.query.token ?? '';
    const valid = TOKEN_RE.test(token);
    return view(request, reply, 'verify-email', { title: 'Confirm your email', token: valid ? token : '', state: valid ? 'ask' : 'bad' }, valid ? 200 : 400);
  });

  app.post('/verify-email', { schema: { body: TokenFormSchema, response: html } }, async (request, reply) => {
    const token = request.body?.token ?? '';
    if (!TOKEN_RE.test(token)) return view(request, reply, 'verify-email', { title: 'Confirm your email', token: '', state: 'bad' }, 400);
    const res = await post(request, '/email-verification', { token });
    if (res.status === 204) return view(request, reply, 'verify-email', { title: 'Email confirmed', token: '', state: 'done' });
    const status = res.status === 429 ? 429 : res.status >= 500 ? 503 : 400;
    return view(request, reply, 'verify-email', { title: 'Confirm your email', token: '', state: 'failed', error: failure(res) }, status);
  });
  resetPages(app, post, view);
}

type Post = (request: FastifyRequest, path: string, body: unknown) => Promise<UpstreamResponse>;
type View = (request: FastifyRequest, reply: FastifyReply, template: string, model: Record<string, unknown>, status?: number) => Promise<FastifyReply>;

function resetPages(appBase: FastifyInstance, post: Post, view: View): void {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 400: Type.String(), 429: Type.String(), 503: Type.String() };
  const statusOf = (res: UpstreamResponse) => (res.status === 429 ? 429 : res.status >= 500 ? 503 : 400);

  app.get('/reset-password', { schema: { response: html } }, async (request, reply) =>
    view(request, reply, 'reset-password', { title: 'Reset your password', state: 'ask', who: '' }),
  );

  app.post('/reset-password', { schema: { body: WhoFormSchema, response: html } }, async (request, reply) => {
    const who = (request.body?.who ?? '').trim();
    const model = { title: 'Reset your password', who };
    if (!who) return view(request, reply, 'reset-password', { ...model, state: 'ask', error: 'Enter your user name or email address.' }, 400);
    const res = await post(request, '/password-reset', who.includes('@') ? { email: who } : { user_name: who });
    if (res.status === 202) return view(request, reply, 'reset-password', { ...model, state: 'sent' });
    return view(request, reply, 'reset-password', { ...model, state: 'ask', error: failure(res) }, statusOf(res));
  });

  app.get('/reset-password/:token', { schema: { params: TokenParamsSchema, response: html } }, async (request, reply) => {
    const valid = TOKEN_RE.test(request.params.token);
    return view(request, reply, 'reset-password-token', { title: 'Choose a new password', token: valid ? request.params.token : '', state: valid ? 'ask' : 'bad' }, valid ? 200 : 400);
  });

  app.post('/reset-password/:token', { schema: { params: TokenParamsSchema, body: PwdFormSchema, response: html } }, async (request, reply) => {
    const { token } = request.params;
    const model = { title: 'Choose a new password', token };
    if (!TOKEN_RE.test(token)) return view(request, reply, 'reset-password-token', { ...model, token: '', state: 'bad' }, 400);
    const pwd = request.body?.pwd ?? '';
    if (pwd !== (request.body?.pwd2 ?? '')) return view(request, reply, 'reset-password-token', { ...model, state: 'ask', error: 'The two passwords differ.' }, 400);
    const res = await post(request, `/password-reset/${token}`, { pwd });
    if (res.status === 204) return view(request, reply, 'reset-password-token', { ...model, token: '', state: 'done' });
    return view(request, reply, 'reset-password-token', { ...model, state: 'ask', error: failure(res) }, statusOf(res));
  });
}
