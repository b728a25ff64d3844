import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { recordWatch } from '../../src/history/history-repository.js';
import { buildTestApp, postComment, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, getAs, idsOf, publish, token, withSession, type User } from '../fixtures/public-site.js';
import { ban, ok, unban, userWithRole } from './admin-fixtures.js';

/** What the banned user made, and who sees it. */
interface World {
  t: TestApp;
  banned: User;
  other: User;
  /** Follows the banned user, favourites and lists their video, was followed by them. */
  fan: User;
  /** Watched the banned user's video. */
  watcher: User;
  word: string;
  video: string;
  /** Someone else's video the banned user commented on and sent danmaku to; it shares a tag with `video`. */
  neighbour: string;
  neighbourComment: string;
  bannedPlaylist: string;
  fanPlaylist: string;
  danmakuText: string;
}

type Reader = 'visitor' | 'other' | 'fan' | 'watcher';
/** One read path: who reads it, and whether the banned user's work is in the answer. */
type Path = [name: string, readers: Reader[], run: (w: World, sid: string | undefined) => Promise<LightMyRequestResponse>, shows: (res: LightMyRequestResponse, w: World) => boolean];

const PUBLIC: Reader[] = ['visitor', 'other'];
const videoIds = (res: LightMyRequestResponse) => idsOf((ok<{ videos: { id: string }[] }>(res)).videos);
const found = (res: LightMyRequestResponse) => {
  if (res.statusCode === 404) return false;
  expect(res.statusCode, res.body).toBe(200);
  return true;
};
const bodyHas = (res: LightMyRequestResponse, text: string) => {
  expect(res.statusCode, res.body).toBe(200);
  return res.body.includes(text);
};
const byBanned = (w: World, items: { author_id?: number; actor?: { id: number } | null }[]) =>
  items.some((i) => i.author_id === w.banned.id || i.actor?.id === w.banned.id);

const PATHS: Path[] = [
  ['GET /videos/:vid (watch page)', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.video}`, sid), found],
  ['GET /user/:u/videos/:vid', PUBLIC, (w, sid) => getAs(w.t, `/user/${w.banned.name}/videos/${w.video}`, sid), found],
  ['GET /videos/:vid/comments of their video', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.video}/comments`, sid), found],
  ['GET /user/:u/videos (channel)', PUBLIC, (w, sid) => getAs(w.t, `/user/${w.banned.name}/videos?limit=100`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /user/:u/profile', PUBLIC, (w, sid) => getAs(w.t, `/user/${w.banned.name}/profile`, sid), (r) => ok<{ videos_count: number }>(r).videos_count > 0],
  ['GET /user/:u/videos.rss', PUBLIC, (w, sid) => getAs(w.t, `/user/${w.banned.name}/videos.rss`, sid), (r, w) => bodyHas(r, w.video)],
  ['GET /videos (feed)', PUBLIC, (w, sid) => getAs(w.t, '/videos?limit=200', sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /videos?sort=hot', PUBLIC, (w, sid) => getAs(w.t, '/videos?sort=hot&limit=200', sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /search', PUBLIC, (w, sid) => getAs(w.t, `/search?q=${w.word}`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /videos/:other/related', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.neighbour}/related?limit=50`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /videos/:vid/comments (their comment)', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.neighbour}/comments`, sid), (r, w) =>
    byBanned(w, ok<{ comments: { author_id: number }[] }>(r).comments)],
  ['GET /videos/:vid/comments/:cid/replies (their reply)', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.neighbour}/comments/${w.neighbourComment}/replies`, sid), (r, w) =>
    byBanned(w, ok<{ comments: { author_id: number }[] }>(r).comments)],
  ['GET /videos/:other (counts their comment and reply)', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.neighbour}`, sid), (r) =>
    ok<{ comments_count: number }>(r).comments_count === 3],
  ['GET /videos/:other/comments (the reply count holds theirs)', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.neighbour}/comments`, sid), (r, w) =>
    ok<{ comments: { id: string; replies_count: number }[] }>(r).comments.find((c) => c.id === w.neighbourComment)?.replies_count === 1],
  ['GET /user/:me/conversations (their message)', ['fan'], (w, sid) => getAs(w.t, `/user/${w.fan.name}/conversations`, sid), (r, w) =>
    ok<{ conversations: { with: { id: number } }[] }>(r).conversations.some((c) => c.with.id === w.banned.id)],
  ['GET /user/:me/conversations/:u (their message)', ['fan'], (w, sid) => getAs(w.t, `/user/${w.fan.name}/conversations/${w.banned.name}`, sid), (r, w) =>
    ok<{ messages: { from: { id: number } }[] }>(r).messages.some((m) => m.from.id === w.banned.id)],
  ['GET /danmaku/v3/ (their danmaku)', PUBLIC, (w, sid) => getAs(w.t, `/danmaku/v3/?id=${w.neighbour}`, sid), (r, w) => bodyHas(r, w.danmakuText)],
  ['GET /videos/:vid/danmaku.xml', PUBLIC, (w, sid) => getAs(w.t, `/videos/${w.neighbour}/danmaku.xml`, sid), (r, w) => bodyHas(r, w.danmakuText)],
  ['GET /danmaku/v3/density', PUBLIC, (w, sid) => getAs(w.t, `/danmaku/v3/density?id=${w.neighbour}&bucket=10`, sid), (r) =>
    ok<{ data: { counts: [number, number][] } }>(r).data.counts.length > 0],
  ['GET /playlists/:pid (their playlist)', PUBLIC, (w, sid) => getAs(w.t, `/playlists/${w.bannedPlaylist}`, sid), found],
  ['GET /user/:u/playlists (theirs)', PUBLIC, (w, sid) => getAs(w.t, `/user/${w.banned.name}/playlists`, sid), (r, w) =>
    ok<{ playlists: { id: string }[] }>(r).playlists.some((p) => p.id === w.bannedPlaylist)],
  ['GET /playlists/:pid (someone else’s, listing their video)', PUBLIC, (w, sid) => getAs(w.t, `/playlists/${w.fanPlaylist}`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /user/:me/favorites', ['fan'], (w, sid) => getAs(w.t, `/user/${w.fan.name}/favorites`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /user/:me/feed (subscriptions)', ['fan'], (w, sid) => getAs(w.t, `/user/${w.fan.name}/feed`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /user/:me/recommended', ['other'], (w, sid) => getAs(w.t, `/user/${w.other.name}/recommended?limit=50`, sid), (r, w) => videoIds(r).includes(w.video)],
  ['GET /user/:me/notifications (naming them)', ['fan'], (w, sid) => getAs(w.t, `/user/${w.fan.name}/notifications`, sid), (r, w) =>
    byBanned(w, ok<{ notifications: { actor: { id: number } | null }[] }>(r).notifications)],
  ['GET /user/:me/history', ['watcher'], (w, sid) => getAs(w.t, `/user/${w.watcher.name}/history`, sid), (r, w) => videoIds(r).includes(w.video)],
];

const CASES = PATHS.flatMap((path) => path[1].map((reader) => [path[0], reader, path] as const));

async function build(t: TestApp): Promise<World> {
  const [banned, other, fan, watcher, owner] = await Promise.all(['banned', 'other', 'fan', 'watcher', 'owner'].map((p) => signUp(t.app, uniqueName(p))));
  const word = token();
  const tag = token('tag');
  const send = (u: User, method: 'POST' | 'PUT', url: string, payload?: object) => t.app.inject({ method, url, headers: withSession(u.sid), ...(payload ? { payload } : {}) });
  const neighbour = (await publish(t, owner!, { name: 'neighbour', tags: [tag] })).id;
  ok(await send(fan!, 'PUT', `/user/${fan!.name}/following/${banned!.name}`), 204);
  const video = (await publish(t, banned!, { name: `${word} banned clip`, tags: [tag] })).id;
  await postComment(t.app, banned!.sid, video, 'on my own video');
  await postComment(t.app, banned!.sid, neighbour, 'a comment by the banned user');
  const neighbourComment = (await postComment(t.app, owner!.sid, neighbour, 'a comment by the owner')).id;
  ok(await send(banned!, 'POST', `/videos/${neighbour}/comments`, { content: 'a reply by the banned user', parent_id: neighbourComment }), 201);
  const danmakuText = token('dm');
  ok(await send(banned!, 'POST', '/danmaku/v3/', { id: neighbour, time: 3, text: danmakuText, color: 16777215, type: 0 }));
  const bannedPlaylist = ok<{ id: string }>(await send(banned!, 'POST', `/user/${banned!.name}/playlists`, { name: 'mine', privacy: 'public' }), 201).id;
  ok(await send(banned!, 'PUT', `/user/${banned!.name}/playlists/${bannedPlaylist}/videos/${video}`), 204);
  const fanPlaylist = ok<{ id: string }>(await send(fan!, 'POST', `/user/${fan!.name}/playlists`, { name: 'faves', privacy: 'public' }), 201).id;
  ok(await send(fan!, 'PUT', `/user/${fan!.name}/playlists/${fanPlaylist}/videos/${video}`), 204);
  ok(await send(fan!, 'PUT', `/user/${fan!.name}/favorites/${video}`), 204);
  ok(await send(banned!, 'PUT', `/user/${banned!.name}/following/${fan!.name}`), 204);
  ok(await send(banned!, 'POST', `/user/${banned!.name}/messages`, { to: fan!.name, content: 'hello from the banned user' }), 201);
  await recordWatch(t.db, watcher!.id, video, Date.now());
  await t.db.kysely.updateTable('video_info').set({ hot: 5_000_000 }).where('id', '=', video).execute();
  return { t, banned: banned!, other: other!, fan: fan!, watcher: watcher!, word, video, neighbour, neighbourComment, bannedPlaylist, fanPlaylist, danmakuText };
}

describe.each(testDialects())('a ban on every read path, %s', (dialect) => {
  let w: World;
  let mod: User;
  const sidOf = (reader: Reader) => (reader === 'visitor' ? undefined : w[reader].sid);
  const check = async (path: Path, reader: Reader, expected: boolean) => {
    const res = await path[2](w, sidOf(reader));
    expect(path[3](res, w), `${path[0]} as ${reader}: ${res.statusCode} ${res.body.slice(0, 300)}`).toBe(expected);
  };

  beforeAll(async () => {
    const t = await buildTestApp(dialect, ROOMY_LIMITS);
    w = await build(t);
    mod = await userWithRole(t, 'moderator', 'mod');
  });
  afterAll(async () => w?.t.close());

  it.each(CASES)('before the ban: %s as %s shows their work', async (_n, reader, path) => check(path, reader, true));

  it('the ban', async () => {
    await ban(w.t, mod, w.banned, 'spam everywhere');
  });

  it.each(CASES)('banned: %s as %s shows none of it', async (_n, reader, path) => check(path, reader, false));

  it('the moderators still find the banned user and their videos', async () => {
    const users = ok<{ users: { user_name: string; banned: boolean; ban_reason: string }[] }>(await getAs(w.t, `/admin/users?q=${w.banned.name}`, mod.sid));
    expect(users.users).toEqual([expect.objectContaining({ user_name: w.banned.name, banned: true, ban_reason: 'spam everywhere' })]);
    const videos = ok<{ videos: { id: string; author_banned: boolean }[] }>(await getAs(w.t, `/admin/videos?q=${w.video}`, mod.sid));
    expect(videos.videos).toEqual([expect.objectContaining({ id: w.video, author_banned: true })]);
  });

  it('the unban', async () => {
    await unban(w.t, mod, w.banned);
  });

  it.each(CASES)('unbanned: %s as %s shows their work again', async (_n, reader, path) => check(path, reader, true));
});
