import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { formErrorText } from '../edge/edge-rules.js';
import { DOWN_NOTICE, layoutOf, lookup, type PageDeps } from './page-context.js';
import { safeNext, toCard } from './page-models.js';
import type { Read } from './public-api.js';
import type { VideoListJson } from './page-models.js';

/** Cards the server renders before "Load more" takes over. */
export const FEED_PAGE = 24;
export const MAX_QUERY = 200;

const HomeQuerySchema = Type.Object({
  form: Type.Optional(Type.Union([Type.Literal('signin'), Type.Literal('signup')])),
  error: Type.Optional(Type.String({ maxLength: 500 })),
  sort: Type.Optional(Type.Union([Type.Literal('recent'), Type.Literal('hot')])),
  next: Type.Optional(Type.String({ maxLength: 200 })),
});

// A long query is a friendly message on the page, not a 400, so the schema only bounds the size.
const SearchQuerySchema = Type.Object({ q: Type.Optional(Type.String({ maxLength: 4096 })) });

/** The grid's values: its cards, the cursor for "Load more", or a notice when the api is down. */
function grid(list: Read<VideoListJson>) {
  if ('ok' in list) return { cards: list.ok.videos.map((v) => toCard(v)), nextCursor: list.ok.next_cursor ?? '', notice: '' };
  return { cards: [], nextCursor: '', notice: 'down' in list ? DOWN_NOTICE : '' };
}

export async function feedPagesRoutes(appBase: FastifyInstance, deps: PageDeps): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 503: Type.String() };

  app.get('/', { schema: { querystring: HomeQuerySchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    const sort = request.query.sort ?? 'recent';
    const list: Read<VideoListJson> = 'down' in viewer ? { down: true } : await deps.pub.feed(request, sort, FEED_PAGE, viewer.sessionId);
    return reply.view('home', {
      ...layoutOf(viewer),
      title: sort === 'hot' ? 'Trending' : 'Home',
      sort,
      ...grid(list),
      form: request.query.form ?? 'signin',
      error: formErrorText(request.query.error),
      next: safeNext(request.query.next) ?? '',
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
