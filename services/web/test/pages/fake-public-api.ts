import type { FastifyInstance, FastifyRequest } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '@video/shared/config';
import { buildWeb, startFakeStream, startUpstream, type FakeStream, type Upstream } from '../helper.js';
import { newSocialState, socialRoutes, socialUser, type SocialState } from './fake-social-api.js';

export const HOSTILE = '</title><script>alert(1)</script>';

export interface FakePublicApi extends Upstream {
  /** The X-Session-Id and url of every request, in order. */
  seen: { url: string; session: string | undefined }[];
  /** The social routes' data (fake-social-api.ts). */
  social: SocialState;
}

const video = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  author_id: 1,
  author: 'anna',
  name: `Video ${id}`,
  description: '',
  tags: [],
  privacy: 'public',
  duration: 75,
  width: 640,
  height: 360,
  poster: null,
  views: 1234,
  likes: 3,
  dislikes: 1,
  comments_count: 0,
  display_ctime: 'Jan 02 2026, 15:04:05',
  create_time: new Date(Date.now() - 3 * 86400_000).toISOString(),
  upload_state: 'ready',
  size: 1000,
  content_type: 'video/mp4',
  ...extra,
});

export const VIDEOS = {
  cats: video('cats', { name: 'Cats & dogs', description: 'Two friends.\nAt play.', tags: ['cats', 'pets <3'], poster: '/videos/cats/poster.jpg' }),
  hostile: video('hostile', { name: HOSTILE, author: '<b>bold</b>', description: '<img src=x onerror=alert(2)>', tags: ['"><script>'] }),
  secret: video('secret', { name: 'My secret', privacy: 'private' }),
  later: video('later', { name: 'From the second page', duration: 3725 }),
  // One video per processing state (the player's sources differ).
  hlsReady: video('hlsReady', { poster: '/videos/hlsReady/poster.jpg?g=g0abc1234-0badf00d', processing: { state: 'done', progress: 100, error: null } }),
  running: video('running', { content_type: 'video/x-matroska', processing: { state: 'running', progress: 42, error: null } }),
  queued: video('queued', { processing: { state: 'queued', progress: 0, error: null } }),
  failed: video('failed', { content_type: 'video/x-msvideo', processing: { state: 'failed', progress: 10, error: 'no video stream <x>' } }),
};

/** The caption tracks of `hlsReady` (one with a foreign url, which the page must not use). */
export const CAPTIONS = [
  { lang: 'zh-Hans', url: '/videos/hlsReady/captions/zh-Hans.vtt' },
  { lang: 'en', url: '/videos/hlsReady/captions/en.vtt' },
  { lang: 'fr', url: 'https://evil.example/fr.vtt' },
];

const notFound = { error: 'no such video', error_code: '006' };

const sessionUser = (request: FastifyRequest): string | undefined => socialUser(request);

function routes(app: FastifyInstance, seen: FakePublicApi['seen']) {
  app.addHook('onRequest', async (request) => {
    seen.push({ url: request.url, session: request.headers['x-session-id'] as string | undefined });
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/session', async (request, reply) => {
    const user = sessionUser(request);
    if (!user) return reply.code(401).send({ error: 'session is unknown or expired', error_code: '002' });
    return { id: 'a-session', user_name: user, expires_at: new Date(Date.now() + 60_000).toISOString() };
  });
  app.get('/videos', async (request) => {
    // The second page repeats one card (a list that moved between pages) and adds one.
    if ((request.query as { cursor?: string }).cursor === 'page-2') return { videos: [VIDEOS.hostile, VIDEOS.later], next_cursor: null };
    return { videos: [VIDEOS.cats, VIDEOS.hostile], next_cursor: 'page-2' };
  });
  app.get('/search', async (request) => {
    const { q } = request.query as { q: string };
    return { videos: q === 'cats' ? [VIDEOS.cats] : [], next_cursor: null };
  });
  app.get('/videos/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = Object.values(VIDEOS).find((v) => v.id === id);
    if (!found || (found.privacy === 'private' && sessionUser(request) !== 'anna')) return reply.code(404).send(notFound);
    return found;
  });
  app.get('/videos/:id/captions', async (request) => {
    const { id } = request.params as { id: string };
    return { captions: id === 'hlsReady' ? CAPTIONS : [] };
  });
  app.get('/videos/:id/related', async () => ({ videos: [VIDEOS.hostile] }));
  app.get('/user/:name/profile', async (request, reply) => {
    const { name } = request.params as { name: string };
    if (name === 'bob') return { id: 2, user_name: 'bob', created_at: '2026-05-04T10:00:00.000Z', videos_count: 0, followers_count: 1, following_count: 1 };
    if (name !== 'anna') return reply.code(404).send({ error: 'no such user', error_code: '006' });
    return { id: 1, user_name: 'anna', created_at: '2026-03-04T10:00:00.000Z', videos_count: 2, followers_count: 1, following_count: 0 };
  });
  app.get('/user/:name/videos', async (request) => {
    const all = [VIDEOS.cats, VIDEOS.hostile, VIDEOS.secret];
    return { videos: sessionUser(request) === 'anna' ? all : all.filter((v) => v.privacy === 'public'), next_cursor: null };
  });
}

/** An api that speaks the public site's reads (feed, search, video, related, profile, user videos). */
export async function startFakePublicApi(): Promise<FakePublicApi> {
  const seen: FakePublicApi['seen'] = [];
  const social = newSocialState();
  const up = await startUpstream(async (app) => {
    routes(app, seen);
    await socialRoutes(app, social);
  });
  return Object.assign(up, { seen, social });
}

export interface PagesSite {
  api: FakePublicApi;
  stream: FakeStream;
  web: FastifyInstance;
}

/** A web in front of this api and a fake stream server, built before a file's tests and closed after. */
export function usePagesSite(overrides: Partial<Config> = {}): PagesSite {
  const site = {} as PagesSite;
  beforeAll(async () => {
    site.api = await startFakePublicApi();
    site.stream = await startFakeStream();
    site.web = await buildWeb({ api_url: site.api.url, stream_url: site.stream.url, ...overrides });
  });
  afterAll(async () => {
    await site.web?.close();
    await site.api?.close();
    await site.stream?.close();
  });
  return site;
}

/** The page at `url` from the site's web, which must answer 200. */
export async function pageOf(site: PagesSite, url: string, cookies?: Record<string, string>): Promise<string> {
  const res = await site.web.inject({ url, cookies });
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
  return res.body;
}
