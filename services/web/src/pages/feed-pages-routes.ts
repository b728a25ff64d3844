import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { formErrorText } from '../edge/edge-rules.js';
import { DOWN_NOTICE, layoutOf, lookup, type PageDeps, type Viewer } from './page-context.js';
import { safeNext, signinPath, toCard } from './page-models.js';
import type { Read } from './public-api.js';
import type { VideoListJson } from './page-models.js';

/** Cards the server renders before "Load more" takes over. */
export const FEED_PAGE = 24;
export const MAX_QUERY = 200;

const HomeQuerySchema = Type.Object({
  form: Type.Optional(Type.Union([Type.Literal('signin'), Type.Literal('signup')])),
  error: Type.Optional(Type.String({ maxLength: 500 })),
  sort: Type.Optional(Type.Union([Type.Literal('recent'), Type.Literal('hot'), Type.Literal('foryou')])),
  next: Type.Optional(Type.String({ maxLength: 400 })),
});

// A long query is a friendly message on the page, not a 400, so the schema only bounds the size.
const SearchQuerySchema = Type.Object({ q: Type.Optional(Type.String({ maxLength: 4096 })) });

const TITLES = { recent: 'Home', hot: 'Trending', foryou: 'For you' };

/** The home grid's list: the public feed, or for a signed-in "For you" the recommendations (no paging). */
function homeList(request: FastifyRequest, deps: PageDeps, viewer: Viewer, sort: 'recent' | 'hot' | 'foryou'): Promise<Read<VideoListJson>> {
  if ('down' in viewer) return Promise.resolve({ down: true });
  if (sort === 'foryou' && viewer.user && viewer.sessionId) return deps.pub.recommended(request, viewer.user.user_name, FEED_PAGE, viewer.sessionId);
  return deps.pub.feed(request, sort, FEED_PAGE, viewer.sessionId);
}

/** The grid's values: its cards, the cursor for "Load more", or a notice when the api is down. */
function grid(list: Read<VideoListJson>) {
  if ('ok' in list) return { cards: list.ok.videos.map((v) => toCard(v)), nextCursor: list.ok.next_cursor ?? '', notice: '' };
  return { cards: [], nextCursor: '', notice: 'down' in list ? DOWN_NOTICE : '' };
}

export async function feedPagesRoutes(appBase: FastifyInstance, deps: PageDeps): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 503: Type.String() };

  app.get('/', { schema: { querystring: HomeQuerySchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    const sort = request.query.sort ?? 'recent';
    if (sort === 'foryou' && 'user' in viewer && !viewer.user) return reply.redirect(signinPath('/?sort=foryou'), 302);
    const list = await homeList(request, deps, viewer, sort);
    return reply.view('home', {
      ...layoutOf(viewer),
      title: TITLES[sort],
      sort,
      ...grid(list),
      form: request.query.form ?? 'signin',
      error: formErrorText(request.query.error),
      next: safeNext(request.query.next) ?? '',
      providers: deps.config.oidc_providers.map((p) => ({ id: p.id, name: p.name })),
    });
  });

  app.get('/search', { schema: { querystring: SearchQuerySchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    const q = (request.query.q ?? '').trim();
    const base = { ...layoutOf(viewer), q, tooLong: false, searched: false, ...grid({ missing: true }) };
    if (q === '') return reply.view('search', { ...base, title: 'Search' });
    if (Array.from(q).length > MAX_QUERY) return reply.view('search', { ...base, title: 'Search', tooLong: true, maxQuery: MAX_QUERY });
    const list: Read<VideoListJson> = 'down' in viewer ? { down: true } : await deps.pub.search(request, q, FEED_PAGE, viewer.sessionId);
    return reply.view('search', { ...base, title: `${q} · Search`, searched: true, ...grid(list) });
  });
}
