import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markVideoUploaded, type DialectName } from '@video/shared';
import { redisForTests, testDialects } from '@video/shared/testing';
import { signUp, uniqueName } from '../helper.js';
import { userWithRole } from '../admin/admin-fixtures.js';
import { withSession, type User } from '../fixtures/public-site.js';
import { REDIS_URL, bodyOf, cacheSite, primed, visit, type CacheSite } from './read-cache-kit.js';

const hasRedis = await redisForTests('read cache over Redis');
/** MySQL caches only with Redis; without it these cases are about the cache being off (read-cache-off.test.ts). */
const dialects = testDialects().filter((d) => d === 'sqlite' || hasRedis);

type Video = { id: string; name: string; tags: string[]; likes: number; duration: number | null; comments_count: number; processing: { progress?: number } | null; upload_state: string };
type Page = { videos: Video[] };
type Comments = { comments: { id: string; content: string }[] };

interface World {
  s: CacheSite;
  owner: User;
  fan: User;
  moderator: User;
  /** A word only this world's videos hold, for search. */
  word: string;
}

/** One case's own video (public, with its file) and a comment on it. */
interface Subject {
  video: Video;
  commentId: string;
}

const api = (w: World, method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, sid: string, payload?: object) =>
  w.s.app.inject({ method, url, headers: withSession(sid), ...(payload ? { payload } : {}) });

async function subject(w: World, name = `clip ${w.word} ${uniqueName('n')}`): Promise<Subject> {
  const res = await api(w, 'POST', `/user/${w.owner.name}/videos`, w.owner.sid, { name, tags: ['first'] });
  const video = bodyOf<Video>(res, 201);
  await markVideoUploaded(w.s.db.kysely, video.id, { size: 1, content_type: 'video/mp4' }, Date.now());
  const c = bodyOf<{ id: string }>(await api(w, 'POST', `/videos/${video.id}/comments`, w.fan.sid, { content: 'first comment' }), 201);
  return { video, commentId: c.id };
}

const ids = (p: Page) => p.videos.map((v) => v.id);
const one = (p: Page, id: string) => p.videos.find((v) => v.id === id);

interface Case {
  name: string;
  /** Run before the cache is primed. */
  setup?: (w: World, x: Subject) => Promise<unknown>;
  url: (w: World, x: Subject) => string;
  write: (w: World, x: Subject) => Promise<unknown>;
  /** True when the answer shows the write. */
  shows: (res: { statusCode: number; json(): unknown }, w: World, x: Subject) => boolean;
}

const feed = () => '/videos?limit=50';
const video = (_w: World, x: Subject) => `/videos/${x.video.id}`;
const channel = (w: World) => `/user/${w.owner.name}/videos`;
const comments = (_w: World, x: Subject) => `/videos/${x.video.id}/comments`;
const patch = (body: object) => (w: World, x: Subject) => api(w, 'PATCH', `/user/${w.owner.name}/videos/${x.video.id}`, w.owner.sid, body);
const renamed = (res: { json(): unknown }, _w: World, x: Subject) => one(res.json() as Page, x.video.id)?.name === 'renamed';
const gone = (res: { json(): unknown }, _w: World, x: Subject) => !ids(res.json() as Page).includes(x.video.id);
const ban = (banned: boolean) => (w: World) => api(w, 'PATCH', `/admin/users/${w.owner.name}`, w.moderator.sid, banned ? { banned, reason: 'spam' } : { banned });

const CASES: Case[] = [
  { name: 'rename → feed', url: feed, write: patch({ name: 'renamed' }), shows: renamed },
  { name: 'rename → channel', url: channel, write: patch({ name: 'renamed' }), shows: renamed },
  { name: 'rename → the video', url: video, write: patch({ name: 'renamed' }), shows: (r) => (r.json() as Video).name === 'renamed' },
  { name: 'tags → the video', url: video, write: patch({ tags: ['second'] }), shows: (r) => (r.json() as Video).tags.includes('second') },
  { name: 'rename → search', url: () => '/search?q=zebrafinch', write: patch({ name: 'zebrafinch' }), shows: (r, _w, x) => ids(r.json() as Page).includes(x.video.id) },
  { name: 'private → feed', url: feed, write: patch({ privacy: 'private' }), shows: gone },
  { name: 'private → the video', url: video, write: patch({ privacy: 'private' }), shows: (r) => r.statusCode === 404 },
  { name: 'private → search', url: (w) => `/search?q=${w.word}`, write: patch({ privacy: 'private' }), shows: gone },
  { name: 'delete → the video', url: video, write: (w, x) => api(w, 'DELETE', `/user/${w.owner.name}/videos/${x.video.id}`, w.owner.sid), shows: (r) => r.statusCode === 404 },
  { name: 'delete → channel', url: channel, write: (w, x) => api(w, 'DELETE', `/user/${w.owner.name}/videos/${x.video.id}`, w.owner.sid), shows: gone },
  {
    name: 'comment → comments',
    url: comments,
    write: (w, x) => api(w, 'POST', `/videos/${x.video.id}/comments`, w.fan.sid, { content: 'second comment' }),
    shows: (r) => (r.json() as Comments).comments.some((c) => c.content === 'second comment'),
  },
  {
    name: 'comment → the video (its count)',
    url: video,
    write: (w, x) => api(w, 'POST', `/videos/${x.video.id}/comments`, w.fan.sid, { content: 'another' }),
    shows: (r, _w, x) => (r.json() as Video).comments_count === x.video.comments_count + 2,
  },
  {
    name: 'comment edit → comments',
    url: comments,
    write: (w, x) => api(w, 'PATCH', `/videos/${x.video.id}/comments/${x.commentId}`, w.fan.sid, { content: 'edited' }),
    shows: (r) => (r.json() as Comments).comments.some((c) => c.content === 'edited'),
  },
  {
    name: 'comment delete → comments',
    url: comments,
    write: (w, x) => api(w, 'DELETE', `/videos/${x.video.id}/comments/${x.commentId}`, w.fan.sid),
    shows: (r, _w, x) => !(r.json() as Comments).comments.some((c) => c.id === x.commentId),
  },
  { name: 'like → the video', url: video, write: (w, x) => api(w, 'PUT', `/videos/${x.video.id}/rating`, w.fan.sid, { rating: 'like' }), shows: (r) => (r.json() as Video).likes === 1 },
  { name: 'ban → feed', url: feed, write: ban(true), shows: gone },
  { name: 'ban → the video', url: video, write: ban(true), shows: (r) => r.statusCode === 404 },
  {
    name: 'follow → profile',
    url: (w) => `/user/${w.owner.name}/profile`,
    write: (w) => api(w, 'PUT', `/user/${w.fan.name}/following/${w.owner.name}`, w.fan.sid),
    shows: (r) => (r.json() as { followers_count: number }).followers_count === 1,
  },
  // Another process's writes (the scheduler, the stream server): a second handle on the database.
  {
    name: 'upload finished elsewhere → feed',
    url: feed,
    setup: (w, x) => w.s.other.kysely.updateTable('video_info').set({ upload_state: 'pending' }).where('id', '=', x.video.id).execute(),
    write: (w, x) => markVideoUploaded(w.s.other.kysely, x.video.id, { size: 2, content_type: 'video/mp4' }, Date.now()),
    shows: (r, _w, x) => ids(r.json() as Page).includes(x.video.id),
  },
  {
    name: "a media install's duration elsewhere → the video",
    url: video,
    write: (w, x) => w.s.other.kysely.updateTable('video_info').set({ duration: 42, poster: 'poster.jpg' }).where('id', '=', x.video.id).execute(),
    shows: (r) => (r.json() as Video).duration === 42,
  },
  {
    name: "a task's progress elsewhere → the video",
    url: video,
    write: async (w, x) => {
      const now = Date.now();
      const task = { video_id: x.video.id, kind: 'process', state: 'running' as const, seq: 1, attempts: 1, next_attempt_at: now, claimed_by: 'x', claimed_until: now, progress: 37, last_error: null, created_at: now, updated_at: now };
      await w.s.other.kysely.deleteFrom('video_tasks').where('video_id', '=', x.video.id).execute();
      await w.s.other.kysely.insertInto('video_tasks').values(task).execute();
    },
    shows: (r) => (r.json() as Video).processing?.progress === 37,
  },
  {
    name: 'the hot-rank job elsewhere → feed?sort=hot',
    url: () => '/videos?sort=hot&limit=1',
    setup: (w, x) => w.s.other.kysely.updateTable('video_info').set({ hot: -1e12 }).where('id', '=', x.video.id).execute(),
    write: (w, x) => w.s.other.kysely.updateTable('video_info').set({ hot: 1e12 }).where('id', '=', x.video.id).execute(),
    shows: (r, _w, x) => ids(r.json() as Page)[0] === x.video.id,
  },
];

describe.each(dialects)('read cache on %s', (dialect: DialectName) => {
  let w: World;

  beforeAll(async () => {
    const s = await cacheSite(dialect, { redisUrl: dialect === 'mysql' ? REDIS_URL : '' });
    w = { s, owner: await signUp(s.app, uniqueName('own')), fan: await signUp(s.app, uniqueName('fan')), moderator: await userWithRole({ ...s, close: s.close }, 'moderator'), word: `w${Date.now().toString(36)}` };
  });
  afterAll(async () => w?.s.close());

  it.each(CASES.map((c) => [c.name, c] as const))('%s: the next anonymous read shows the write', async (_name, c) => {
    const x = await subject(w);
    const url = c.url(w, x);
    await c.setup?.(w, x);
    const before = await primed(w.s.app, url);
    expect(c.shows(before, w, x)).toBe(false);
    const wrote = await c.write(w, x);
    if (wrote && typeof wrote === 'object' && 'statusCode' in wrote) expect((wrote as { statusCode: number }).statusCode).toBeLessThan(300);
    const after = await visit(w.s.app, url);
    expect(after.headers['x-cache']).not.toBe('hit');
    expect(c.shows(after, w, x), after.body).toBe(true);
    if (c.name.startsWith('ban')) {
      // A ban ends the owner's sessions: unban and sign in again for the next cases.
      bodyOf(await ban(false)(w), 200);
      const signIn = await w.s.app.inject({ method: 'POST', url: `/user/${w.owner.name}`, payload: { user_name: w.owner.name, pwd: 'secret-pwd' } });
      w.owner = { ...w.owner, sid: bodyOf<{ session_id: string }>(signIn).session_id };
    }
  });

  it('a signed-in caller is never answered from the cache and never fills it', async () => {
    const x = await subject(w);
    const url = `/videos/${x.video.id}`;
    const signedIn = await visit(w.s.app, url, withSession(w.fan.sid));
    expect(signedIn.headers['x-cache']).toBeUndefined();
    expect((await visit(w.s.app, url)).headers['x-cache']).toBe('miss');
    await primed(w.s.app, url);
    for (const headers of [withSession(w.fan.sid), { authorization: 'Bearer abc' }, { cookie: `session=${w.fan.sid}` }]) {
      const res = await visit(w.s.app, url, headers);
      expect(res.headers['x-cache'], JSON.stringify(headers)).toBeUndefined();
    }
  });

  it("a private video's 404 for a stranger is never its owner's answer", async () => {
    const x = await subject(w);
    bodyOf(await patch({ privacy: 'private' })(w, x), 200);
    const url = `/videos/${x.video.id}`;
    const stranger = await primed(w.s.app, url);
    expect(stranger.statusCode).toBe(404);
    const owner = await visit(w.s.app, url, withSession(w.owner.sid));
    expect(owner.statusCode).toBe(200);
    expect(owner.headers['x-cache']).toBeUndefined();
  });

  it('writes no cached read shows (a sign-in, a playback report) leave the cache warm', async () => {
    const x = await subject(w);
    const url = `/videos/${x.video.id}`;
    await primed(w.s.app, url);
    bodyOf(await w.s.app.inject({ method: 'POST', url: `/user/${w.fan.name}`, payload: { user_name: w.fan.name, pwd: 'secret-pwd' } }), 200);
    await w.s.app.inject({ method: 'POST', url: `/videos/${x.video.id}/views`, payload: { position: 1 } });
    expect((await visit(w.s.app, url)).headers['x-cache']).toBe('hit');
  });
});
