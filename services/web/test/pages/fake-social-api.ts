// The social routes of the contract, scripted in memory for the page tests: follows, favorites,
// playlists, comment threads, notifications (with the live socket) and site messages between the
// fake api's two users, anna (session `owner-session`) and bob (`bob-session`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type WebSocket from 'ws';
import { VIDEOS } from './fake-public-api.js';
import { commentRoutes } from './fake-comments-api.js';

const USERS: Record<string, { id: number; user_name: string }> = { anna: { id: 1, user_name: 'anna' }, bob: { id: 2, user_name: 'bob' } };
const SESSIONS: Record<string, string> = { 'owner-session': 'anna', 'bob-session': 'bob' };
const err = (code: string, error: string) => ({ error, error_code: code });

export interface SocialState {
  following: Set<string>;
  favorites: Set<string>;
  history: string[];
  blocked: Set<string>;
  playlists: { id: string; name: string; privacy: string; owner: string; videos: string[] }[];
  messages: { id: string; from: string; to: string; content: string; time: string; read: boolean }[];
  notifications: { id: string; type: string; created_at: string; read: boolean; actor: { id: number; user_name: string } | null; video: { id: string; name: string } | null; comment: null }[];
  sockets: Map<string, Set<WebSocket>>;
  /** Stores a notification for `user` and pushes it to their open sockets. */
  notify(user: string, type: string, actor: string, video?: { id: string; name: string }): void;
}

export function socialUser(request: FastifyRequest): string | undefined {
  const header = request.headers['x-session-id'];
  const cookie = /(?:^|;\s*)session=([^;]+)/.exec(String(request.headers.cookie ?? ''))?.[1];
  return SESSIONS[String(header ?? cookie ?? '')];
}

export function newSocialState(): SocialState {
  const state: SocialState = {
    following: new Set(),
    favorites: new Set(),
    history: [],
    blocked: new Set(),
    playlists: [
      { id: 'pl1', name: 'Weekend <picks>', privacy: 'public', owner: 'anna', videos: ['cats', 'hlsReady', 'later'] },
      { id: 'plsecret', name: 'Hidden', privacy: 'private', owner: 'anna', videos: ['cats'] },
    ],
    messages: [{ id: 'm1', from: 'bob', to: 'anna', content: 'Hi <anna>!', time: new Date(Date.now() - 3600_000).toISOString(), read: false }],
    notifications: [],
    sockets: new Map(),
    notify(user, type, actor, video) {
      const n = { id: `n${state.notifications.length + 1}`, type, created_at: new Date().toISOString(), read: false, actor: USERS[actor] ?? null, video: video ?? null, comment: null };
      state.notifications.unshift({ ...n, user } as never);
      for (const ws of state.sockets.get(user) ?? []) ws.send(JSON.stringify(n));
    },
  };
  state.notify('anna', 'follow', 'bob');
  return state;
}

/** The route's own user: 401 without a session, 403 for another name. */
function own(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const user = socialUser(request);
  const { me } = request.params as { me: string };
  if (!user) void reply.code(401).send(err('002', 'session is unknown or expired'));
  else if (user !== me) void reply.code(403).send(err('005', 'not allowed'));
  else return user;
  return undefined;
}

const page = <T>(key: string, items: T[]) => ({ [key]: items, next_cursor: null });
const videosOf = (ids: Iterable<string>) => [...ids].map((id) => Object.values(VIDEOS).find((v) => v.id === id)).filter(Boolean);
const messageJson = (m: SocialState['messages'][number]) => ({ ...m, from: USERS[m.from], to: USERS[m.to] });

function followRoutes(app: FastifyInstance, state: SocialState) {
  app.get('/user/:me/feed', async (request, reply) => own(request, reply) && page('videos', state.following.has('bob') ? videosOf(['later', 'cats']) : []));
  app.get('/user/:me/recommended', async (request, reply) => own(request, reply) && { videos: [{ ...VIDEOS.later, reason: 'because you follow <bob>' }, VIDEOS.cats] });
  app.get('/user/:name/followers', async (request) => page('users', (request.params as { name: string }).name === 'anna' ? [USERS.bob] : []));
  // One set for both users (anna and bob follow each other in the tests): a user never follows themself.
  app.get('/user/:name/following', async (request) => {
    const { name } = request.params as { name: string };
    return page('users', [...state.following].filter((n) => n !== name).map((n) => USERS[n] ?? { id: 9, user_name: n }));
  });
  app.put('/user/:me/following/:name', async (request, reply) => {
    if (!own(request, reply)) return;
    const { me, name } = request.params as { me: string; name: string };
    if (name === me) return reply.code(400).send(err('001', 'you cannot follow yourself'));
    state.following.add(name);
    return reply.code(204).send();
  });
  app.delete('/user/:me/following/:name', async (request, reply) => {
    if (own(request, reply)) state.following.delete((request.params as { name: string }).name);
    return reply.sent ? undefined : reply.code(204).send();
  });
}

function listRoutes(app: FastifyInstance, state: SocialState) {
  app.get('/user/:me/favorites', async (request, reply) => own(request, reply) && page('videos', videosOf(state.favorites)));
  app.get('/user/:me/history', async (request, reply) => own(request, reply) && page('videos', videosOf(state.history)));
  app.get('/user/:me/blocked', async (request, reply) => own(request, reply) && page('users', [...state.blocked].map((n) => USERS[n] ?? { id: 9, user_name: n })));
  app.route({
    method: ['PUT', 'DELETE'],
    url: '/user/:me/favorites/:vid',
    handler: async (request, reply) => {
      if (!own(request, reply)) return;
      const { vid } = request.params as { vid: string };
      if (request.method === 'PUT') state.favorites.add(vid);
      else state.favorites.delete(vid);
      return reply.code(204).send();
    },
  });
  const json = (p: SocialState['playlists'][number]) => ({ ...p, owner: USERS[p.owner], description: '', videos_count: p.videos.length, create_time: new Date().toISOString(), videos: videosOf(p.videos) });
  app.get('/user/:me/playlists', async (request) => page('playlists', state.playlists.filter((p) => p.owner === socialUser(request)).map(json)));
  app.get('/playlists/:pid', async (request, reply) => {
    const found = state.playlists.find((p) => p.id === (request.params as { pid: string }).pid);
    if (!found || (found.privacy === 'private' && socialUser(request) !== found.owner)) return reply.code(404).send(err('006', 'no such playlist'));
    return json(found);
  });
  app.post('/user/:me/playlists', async (request, reply) => {
    const me = own(request, reply);
    if (!me) return;
    const body = request.body as { name: string; privacy?: string };
    const made = { id: `pl${state.playlists.length + 1}x`, name: body.name, privacy: body.privacy ?? 'public', owner: me, videos: [] as string[] };
    state.playlists.push(made);
    return reply.code(201).send(json(made));
  });
  app.route({
    method: ['PUT', 'DELETE'],
    url: '/user/:me/playlists/:pid/videos/:vid',
    handler: async (request, reply) => {
      if (!own(request, reply)) return;
      const { pid, vid } = request.params as { pid: string; vid: string };
      const list = state.playlists.find((p) => p.id === pid);
      if (!list) return reply.code(404).send(err('006', 'no such playlist'));
      list.videos = list.videos.filter((v) => v !== vid);
      if (request.method === 'PUT') list.videos.push(vid);
      return reply.code(204).send();
    },
  });
}

/** What the library and playlist-editing pages change: history, blocks, a playlist and its order. */
function libraryRoutes(app: FastifyInstance, state: SocialState) {
  app.delete('/user/:me/history', async (request, reply) => {
    if (own(request, reply)) state.history.length = 0;
    return reply.sent ? undefined : reply.code(204).send();
  });
  app.route({
    method: ['PUT', 'DELETE'],
    url: '/user/:me/blocked/:name',
    handler: async (request, reply) => {
      if (!own(request, reply)) return;
      const { name } = request.params as { name: string };
      if (request.method === 'PUT') state.blocked.add(name);
      else state.blocked.delete(name);
      return reply.code(204).send();
    },
  });
  const mine = (request: FastifyRequest) => state.playlists.find((p) => p.id === (request.params as { pid: string }).pid && p.owner === socialUser(request));
  app.patch('/user/:me/playlists/:pid', async (request, reply) => {
    const list = own(request, reply) && mine(request);
    if (reply.sent) return;
    if (!list) return reply.code(404).send(err('006', 'no such playlist'));
    Object.assign(list, request.body as object);
    return { ...list, owner: USERS[list.owner], videos_count: list.videos.length };
  });
  app.delete('/user/:me/playlists/:pid', async (request, reply) => {
    const list = own(request, reply) && mine(request);
    if (reply.sent) return;
    state.playlists = state.playlists.filter((p) => p !== list);
    return reply.code(204).send();
  });
  app.patch('/user/:me/playlists/:pid/videos/:vid', async (request, reply) => {
    const list = own(request, reply) && mine(request);
    if (reply.sent) return;
    const { vid } = request.params as { vid: string };
    if (!list || !list.videos.includes(vid)) return reply.code(404).send(err('006', 'no such video in the playlist'));
    const rest = list.videos.filter((v) => v !== vid);
    rest.splice((request.body as { position: number }).position, 0, vid);
    list.videos = rest;
    return reply.code(204).send();
  });
}

function messageRoutes(app: FastifyInstance, state: SocialState) {
  app.get('/user/:me/notifications', async (request, reply) => {
    const me = own(request, reply);
    if (!me) return;
    const mine = state.notifications.filter((n) => (n as unknown as { user: string }).user === me);
    const unread = mine.filter((n) => !n.read);
    const shown = (request.query as { unread?: string }).unread === '1' ? unread : mine;
    return { notifications: shown.slice(0, 10), next_cursor: null, unread_count: unread.length };
  });
  app.post('/user/:me/notifications/read', async (request, reply) => {
    if (!own(request, reply)) return;
    const ids = new Set((request.body as { ids?: string[] }).ids ?? []);
    for (const n of state.notifications) if (ids.has(n.id)) n.read = true;
    return reply.code(204).send();
  });
  app.get('/user/:me/conversations', async (request, reply) => {
    const me = own(request, reply);
    if (!me) return;
    const others = [...new Set(state.messages.filter((m) => m.from === me || m.to === me).map((m) => (m.from === me ? m.to : m.from)))];
    return {
      conversations: others.map((o) => {
        const mine = state.messages.filter((m) => (m.from === me && m.to === o) || (m.from === o && m.to === me));
        return { with: USERS[o], last_message: messageJson(mine[mine.length - 1]), unread_count: mine.filter((m) => m.to === me && !m.read).length };
      }),
    };
  });
  app.get('/user/:me/conversations/:name', async (request, reply) => {
    const me = own(request, reply);
    const { name } = request.params as { name: string };
    if (!me) return;
    if (!USERS[name]) return reply.code(404).send(err('006', 'no such user'));
    const mine = state.messages.filter((m) => (m.from === me && m.to === name) || (m.from === name && m.to === me));
    for (const m of mine) if (m.to === me) m.read = true;
    return page('messages', mine.map(messageJson).reverse());
  });
  app.post('/user/:me/messages', async (request, reply) => {
    const me = own(request, reply);
    if (!me) return;
    const { to, content } = request.body as { to: string; content: string };
    if (!USERS[to]) return reply.code(404).send(err('006', 'no such user'));
    const m = { id: `m${state.messages.length + 1}`, from: me, to, content: content.trim(), time: new Date().toISOString(), read: false };
    state.messages.push(m);
    state.notify(to, 'message', me);
    return reply.code(201).send(messageJson(m));
  });
}

/** Registers the social routes (and the notifications socket) on the fake api. */
export async function socialRoutes(app: FastifyInstance, state: SocialState): Promise<void> {
  await app.register(websocket);
  app.get('/notifications/ws', { websocket: true }, (socket, request) => {
    const user = socialUser(request);
    if (!user) return socket.close(4401, 'no session');
    const set = state.sockets.get(user) ?? new Set();
    set.add(socket);
    state.sockets.set(user, set);
    socket.on('close', () => set.delete(socket));
  });
  followRoutes(app, state);
  listRoutes(app, state);
  libraryRoutes(app, state);
  messageRoutes(app, state);
  commentRoutes(app);
}
