import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softDeleteVideo } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, type Harness } from '../helper.js';

const EN = 'WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n';
const ZH = 'WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n';

describe.each(testDialects())('GET|HEAD /videos/:vid/captions/:lang.vtt (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let owner: { userId: number; sessionId: string };
  let id: string;
  const updatedAt = Date.UTC(2026, 0, 2, 3, 4, 5);

  const addTrack = (videoId: string, lang: string, vtt: string, etag: string) =>
    h.db.kysely.insertInto('video_captions').values({ video_id: videoId, lang, vtt, etag, updated_at: updatedAt }).execute();
  const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(base, method, p, headers);

  beforeAll(async () => {
    h = await startApp(dialect);
    base = await listen(h.app);
    owner = await makeUser(h.db);
    id = await makeVideo(h, owner.userId, { fixture: MP4 });
    await addTrack(id, 'en', EN, 'abc123');
    await addTrack(id, 'zh-Hans', ZH, '"quoted-tag"');
  });
  afterAll(async () => h?.close());

  it('serves the track as WebVTT with its ETag, Last-Modified and no-cache', async () => {
    const res = await get(`/videos/${id}/captions/en.vtt`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(res.headers.etag).toBe('"abc123"');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['last-modified']).toBe(new Date(updatedAt).toUTCString());
    expect(res.body.toString()).toBe(EN);
    expect((await get(`/videos/${id}/captions/zh-Hans.vtt`)).headers.etag).toBe('"quoted-tag"');
  });

  it.each(['zh-Hans', 'zh-hans', 'ZH-HANS', 'Zh-hAnS'])('the language is matched case-insensitively (%s)', async (lang) => {
    const res = await get(`/videos/${id}/captions/${lang}.vtt`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(ZH);
    expect((await get(`/videos/${id}/captions/EN.vtt`)).body.toString()).toBe(EN);
  });

  it('304 for a matching If-None-Match or a current If-Modified-Since; 412 for a failing If-Match', async () => {
    for (const headers of [{ 'if-none-match': '"abc123"' }, { 'if-none-match': 'W/"abc123"' }, { 'if-modified-since': new Date(updatedAt).toUTCString() }] as Record<string, string>[]) {
      const res = await get(`/videos/${id}/captions/en.vtt`, headers);
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers.etag).toBe('"abc123"');
    }
    expect((await get(`/videos/${id}/captions/en.vtt`, { 'if-none-match': '"old"' })).status).toBe(200);
    expect((await get(`/videos/${id}/captions/en.vtt`, { 'if-match': '"old"' })).status).toBe(412);
  });

  it('HEAD sends the headers only', async () => {
    const res = await get(`/videos/${id}/captions/en.vtt`, {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(EN)));
    expect(res.body.length).toBe(0);
  });

  it.each<[string, number]>([
    ['fr.vtt', 404],
    ['en.srt', 404],
    ['en', 404],
    ['en.vtt.bak', 404],
    ['e.vtt', 400],
    ['en_US.vtt', 400],
    ['..%2Fen.vtt', 400],
    ['en-.vtt', 400],
    [`${'a'.repeat(70)}.vtt`, 400],
  ])('%s → %i', async (file, status) => {
    const res = await get(`/videos/${id}/captions/${file}`);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body.toString()).error_code).toBe(status === 400 ? '001' : '006');
  });

  it('a private video\'s track: the owner only, the same 404 as an unknown id for others', async () => {
    const other = await makeUser(h.db);
    const v = await makeVideo(h, owner.userId, { fixture: MP4 });
    await h.db.kysely.updateTable('video_info').set({ privacy: 'private' }).where('id', '=', v).execute();
    await addTrack(v, 'en', EN, 'p1');
    const mine = await get(`/videos/${v}/captions/en.vtt`, { 'x-session-id': owner.sessionId });
    expect(mine.status).toBe(200);
    expect(mine.headers['cache-control']).toBe('private, no-cache');
    expect((await get(`/videos/${v}/captions/en.vtt`, { cookie: `session=${owner.sessionId}` })).status).toBe(200);
    const theirs = await get(`/videos/${v}/captions/en.vtt`, { 'x-session-id': other.sessionId });
    const unknown = await get(`/videos/${randomUUID()}/captions/en.vtt`, { 'x-session-id': other.sessionId });
    expect(theirs.status).toBe(404);
    expect(JSON.parse(theirs.body.toString())).toEqual(JSON.parse(unknown.body.toString()));
    expect((await get(`/videos/${v}/captions/en.vtt`)).status).toBe(404);
  });

  it('a deleted video\'s track is 404 at once', async () => {
    const v = await makeVideo(h, owner.userId, { fixture: MP4 });
    await addTrack(v, 'en', EN, 'd1');
    expect((await get(`/videos/${v}/captions/en.vtt`)).status).toBe(200);
    await softDeleteVideo(h.db.kysely, v, owner.userId, Date.now());
    h.app.videoRows.invalidate(v);
    expect((await get(`/videos/${v}/captions/en.vtt`)).status).toBe(404);
  });
});
