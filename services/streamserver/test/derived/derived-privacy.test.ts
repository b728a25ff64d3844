import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoPrivacy } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, type Harness } from '../helper.js';
import { derivedPath, installGeneration } from './derived-helper.js';

type Reader = 'owner by header' | 'owner by cookie' | 'another user' | 'visitor';
const NAMES = ['poster.jpg', 'storyboard.jpg', 'master.m3u8', '360.m3u8', '360.mp4'];

describe.each(testDialects())('derived files of a private video (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let owner: { userId: number; sessionId: string };
  let other: { userId: number; sessionId: string };
  const videos = new Map<VideoPrivacy, { id: string; gen: string }>();

  const headersOf = (reader: Reader): Record<string, string> => {
    if (reader === 'owner by header') return { 'x-session-id': owner.sessionId };
    if (reader === 'owner by cookie') return { cookie: `theme=dark; session=${encodeURIComponent(owner.sessionId)}` };
    if (reader === 'another user') return { 'x-session-id': other.sessionId };
    return {};
  };

  beforeAll(async () => {
    // A long row cache: a warm fast path must still never hand a private file to anyone else.
    h = await startApp(dialect, {}, { rowCacheMs: 60_000 });
    base = await listen(h.app);
    owner = await makeUser(h.db);
    other = await makeUser(h.db);
    for (const privacy of ['public', 'unlisted', 'private'] as VideoPrivacy[]) {
      const id = await makeVideo(h, owner.userId, { fixture: MP4, contentType: 'video/mp4' });
      await h.db.kysely.updateTable('video_info').set({ privacy }).where('id', '=', id).execute();
      const { gen } = await installGeneration(h, id);
      videos.set(privacy, { id, gen });
    }
  });
  afterAll(async () => h?.close());

  const READERS: Reader[] = ['owner by header', 'owner by cookie', 'another user', 'visitor'];
  const matrix = (['public', 'unlisted', 'private'] as VideoPrivacy[]).flatMap((p) =>
    READERS.map((r) => [p, r, p !== 'private' || r.startsWith('owner') ? 200 : 404] as const),
  );

  it.each(matrix)('%s video, %s → %i for every file, with and without g', async (privacy, reader, status) => {
    const { id, gen } = videos.get(privacy)!;
    for (const name of NAMES) {
      for (const q of ['', `?g=${gen}`]) {
        const res = await rawRequest(base, 'GET', `${derivedPath(id, name)}${q}`, { ...headersOf(reader), range: 'bytes=0-9' });
        expect(res.status, `${name}${q}`).toBe(status === 200 ? 206 : 404);
        if (status !== 200) continue;
        const scope = privacy === 'private' ? 'private' : 'public';
        expect(res.headers['cache-control']).toBe(q ? `${scope}, max-age=31536000, immutable` : privacy === 'private' ? 'private, no-cache' : 'no-cache');
      }
    }
  });

  it('for anyone but the owner a private video\'s file is the same 404 as an unknown id', async () => {
    const { id, gen } = videos.get('private')!;
    for (const name of NAMES) {
      const priv = await rawRequest(base, 'GET', `${derivedPath(id, name)}?g=${gen}`, headersOf('another user'));
      const unknown = await rawRequest(base, 'GET', `${derivedPath(randomUUID(), name)}?g=${gen}`, headersOf('another user'));
      expect(priv.status).toBe(404);
      expect(priv.status).toBe(unknown.status);
      expect(JSON.parse(priv.body.toString())).toEqual(JSON.parse(unknown.body.toString()));
    }
  });

  it('a warm path never serves a private rendition to visitors', async () => {
    const { id, gen } = videos.get('private')!;
    const p = `${derivedPath(id, '360.mp4')}?g=${gen}`;
    expect((await rawRequest(base, 'GET', p, headersOf('owner by header'))).status).toBe(200);
    const before = h.app.fastPathServed();
    const all = await Promise.all(Array.from({ length: 10 }, () => rawRequest(base, 'GET', p, { range: 'bytes=0-0' })));
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(404));
    expect(h.app.fastPathServed()).toBe(before);
  });

  it('a warm fast path notices a video made private, and a new generation, at once', async () => {
    const id = await makeVideo(h, owner.userId, { fixture: MP4 });
    const { gen } = await installGeneration(h, id);
    const p = `${derivedPath(id, '360.mp4')}?g=${gen}`;
    const before = h.app.fastPathServed();
    for (let i = 0; i < 3; i++) expect((await rawRequest(base, 'GET', p, { range: 'bytes=0-0' })).status).toBe(206);
    expect(h.app.fastPathServed()).toBe(before + 2);
    await h.db.kysely.updateTable('video_info').set({ privacy: 'private' }).where('id', '=', id).execute();
    h.app.videoRows.invalidate(id);
    for (let i = 0; i < 3; i++) expect((await rawRequest(base, 'GET', p, { range: 'bytes=0-0' })).status).toBe(404);
    expect((await rawRequest(base, 'GET', p, { ...headersOf('owner by header'), range: 'bytes=0-0' })).status).toBe(206);
    await h.db.kysely.updateTable('video_info').set({ privacy: 'public' }).where('id', '=', id).execute();
    await installGeneration(h, id);
    for (let i = 0; i < 3; i++) expect((await rawRequest(base, 'GET', p, { range: 'bytes=0-0' })).status).toBe(404);
    expect(h.app.fastPathServed()).toBe(before + 2);
  });
});
