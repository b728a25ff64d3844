import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DOWN_NOTICE, downPage, layoutOf, lookup, notFoundPage, type PageDeps } from './page-context.js';
import { signinPath, toCard, watchPath } from './page-models.js';
import { messageView } from './social-views.js';

const FEED_PAGE = 24;
const THREAD_PAGE = 50;
const MAX_PARAM = 256;

const MessagesQuerySchema = Type.Object({ with: Type.Optional(Type.String({ maxLength: 1024 })) });
const PlaylistParamsSchema = Type.Object({ pid: Type.String({ minLength: 1 }) });

/** The signed-in pages (`/feed`, `/messages`) and the public playlist page. */
export async function socialPagesRoutes(appBase: FastifyInstance, deps: PageDeps): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 404: Type.String(), 503: Type.String() };

  app.get('/feed', { schema: { response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    if ('down' in viewer) return downPage(reply, viewer);
    if (!viewer.user || !viewer.sessionId) return reply.redirect(signinPath('/feed'), 302);
    const me = viewer.user.user_name;
    const list = await deps.pub.subscriptions(request, me, FEED_PAGE, viewer.sessionId);
    return reply.view('subscriptions', {
      ...layoutOf(viewer),
      title: 'Subscriptions',
      cards: 'ok' in list ? list.ok.videos.map((v) => toCard(v)) : [],
      nextCursor: 'ok' in list ? (list.ok.next_cursor ?? '') : '',
      source: `/api/user/${encodeURIComponent(me)}/feed`,
      notice: 'down' in list ? DOWN_NOTICE : '',
    });
  });

  app.get('/messages', { schema: { querystring: MessagesQuerySchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    if ('down' in viewer) return downPage(reply, viewer);
    const other = (request.query.with ?? '').trim().slice(0, 64);
    const here = other ? `/messages?with=${encodeURIComponent(other)}` : '/messages';
    if (!viewer.user || !viewer.sessionId) return reply.redirect(signinPath(here), 302);
    const me = viewer.user.user_name;
    const [list, thread] = await Promise.all([
      deps.pub.conversations(request, me, viewer.sessionId),
      other ? deps.pub.thread(request, me, other, THREAD_PAGE, viewer.sessionId) : Promise.resolve(undefined),
    ]);
    return reply.view('messages', {
      ...layoutOf(viewer),
      title: other ? `${other} · Messages` : 'Messages',
      ...messageView(me, other, list, thread),
    });
  });
  registerPlaylistPage(app, deps);
}

/** `/playlists/:pid`: the list's videos in order, each opening the watch page in the list. */
function registerPlaylistPage(appBase: FastifyInstance, deps: PageDeps): void {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 404: Type.String(), 503: Type.String() };
  app.get('/playlists/:pid', { schema: { params: PlaylistParamsSchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    if ('down' in viewer) return downPage(reply, viewer);
    const { pid } = request.params;
    if (pid.length > MAX_PARAM) return notFoundPage(reply, viewer, 'playlist');
    const found = await deps.pub.playlist(request, pid, viewer.sessionId);
    if ('down' in found) return downPage(reply, viewer);
    if ('missing' in found) return notFoundPage(reply, viewer, 'playlist');
    const list = found.ok;
    const cards = list.videos.map((v) => ({ ...toCard(v), id: v.id, href: `${watchPath(v.id)}?list=${encodeURIComponent(list.id)}` }));
    const layout = layoutOf(viewer);
    return reply.view('playlist', {
      ...layout,
      isOwner: layout.userName !== null && layout.userName === list.owner.user_name,
      title: list.name,
      playlist: {
        id: list.id,
        name: list.name,
        description: list.description ?? '',
        privacy: list.privacy ?? 'public',
        owner: list.owner.user_name,
        ownerHref: `/u/${encodeURIComponent(list.owner.user_name)}`,
        count: list.videos_count ?? list.videos.length,
      },
      cards,
      playHref: cards[0]?.href ?? '',
    });
  });
}
