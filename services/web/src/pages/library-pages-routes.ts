import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DOWN_NOTICE, downPage, layoutOf, lookup, type PageDeps } from './page-context.js';
import { signinPath, toCard } from './page-models.js';
import type { Read } from './public-api.js';

const TABS = ['favorites', 'history', 'playlists', 'blocked'] as const;
type Tab = (typeof TABS)[number];
const TAB_TITLES: Record<Tab, string> = { favorites: 'Favorites', history: 'History', playlists: 'Playlists', blocked: 'Blocked' };
const VIDEO_PAGE = 24;
const LIST_PAGE = 50;

const LibraryQuerySchema = Type.Object({ tab: Type.Optional(Type.String({ maxLength: 32 })) });

/**
 * `/library`: the signed-in user's own lists in one place — favorites, watch history (clearable),
 * playlists (create, open to edit) and the users they have blocked (unblock). One tab is drawn by
 * the server; the others are a link away.
 */
export async function libraryPagesRoutes(appBase: FastifyInstance, deps: PageDeps): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 503: Type.String() };
  app.get('/library', { schema: { querystring: LibraryQuerySchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    if ('down' in viewer) return downPage(reply, viewer);
    const tab: Tab = (TABS as readonly string[]).includes(request.query.tab ?? '') ? (request.query.tab as Tab) : 'favorites';
    const here = tab === 'favorites' ? '/library' : `/library?tab=${tab}`;
    if (!viewer.user || !viewer.sessionId) return reply.redirect(signinPath(here), 302);
    const me = viewer.user.user_name;
    const model = await tabModel(deps, request, me, tab, viewer.sessionId);
    return reply.view('library', {
      ...layoutOf(viewer),
      title: `${TAB_TITLES[tab]} · Library`,
      me,
      tab,
      tabs: TABS.map((t) => ({ id: t, title: TAB_TITLES[t], href: t === 'favorites' ? '/library' : `/library?tab=${t}`, current: t === tab })),
      ...model,
    });
  });
}

function notice<T>(read: Read<T>): string {
  return 'down' in read ? DOWN_NOTICE : '';
}

async function tabModel(deps: PageDeps, request: Parameters<PageDeps['pub']['read']>[0], me: string, tab: Tab, sessionId: string) {
  const meSeg = encodeURIComponent(me);
  if (tab === 'favorites' || tab === 'history') {
    const list = await deps.pub.ownList(request, me, tab, VIDEO_PAGE, sessionId);
    return {
      cards: 'ok' in list ? list.ok.videos.map((v) => toCard(v)) : [],
      nextCursor: 'ok' in list ? (list.ok.next_cursor ?? '') : '',
      source: `/api/user/${meSeg}/${tab}`,
      notice: notice(list),
    };
  }
  if (tab === 'playlists') {
    const list = await deps.pub.playlists(request, me, LIST_PAGE, sessionId);
    const playlists = 'ok' in list ? list.ok.playlists : [];
    return {
      playlists: playlists.map((p) => ({
        href: `/playlists/${encodeURIComponent(p.id)}`,
        name: p.name,
        privacy: p.privacy ?? 'public',
        count: p.videos_count ?? 0,
      })),
      notice: notice(list),
    };
  }
  const list = await deps.pub.blocked(request, me, LIST_PAGE, sessionId);
  const users = 'ok' in list ? list.ok.users : [];
  return { blocked: users.map((u) => ({ name: u.user_name, href: `/u/${encodeURIComponent(u.user_name)}` })), notice: notice(list) };
}
