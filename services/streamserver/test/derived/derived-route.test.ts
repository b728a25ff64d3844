import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationDir, newGeneration, softDeleteVideo, videoMediaDir } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, type Harness } from '../helper.js';
import { derivedPath, installGeneration, setMediaGen, writeGeneration, fakeGeneration } from './derived-helper.js';

const TOKEN = 'internal-test-token-derived-files';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const TYPES: [string, string][] = [
  ['poster.jpg', 'image/jpeg'],
  ['thumb.jpg', 'image/jpeg'],
  ['storyboard.jpg', 'image/jpeg'],
  ['master.m3u8', 'application/vnd.apple.mpegurl'],
  ['360.m3u8', 'application/vnd.apple.mpegurl'],
  ['360.mp4', 'video/mp4'],
];

describe.each(testDialects())('derived files of a video (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let userId: number;
  let id: string;
  let gen: string;
  let files: Record<string, Buffer>;

  beforeAll(async () => {
    h = await startApp(dialect, { internal_token: TOKEN });
    base = await listen(h.app);
    userId = (await makeUser(h.db)).userId;
    id = await makeVideo(h, userId, { fixture: MP4, contentType: 'video/mp4' });
    ({ gen, files } = await installGeneration(h, id));
    // Files a name joined unchecked would reach: each must stay a 404.
    writeFileSync(path.join(generationDir(h.config.video_dir, id, gen), 'master.m3u8.bak'), 'stale');
    writeFileSync(path.join(generationDir(h.config.video_dir, id, gen), 'info.json'), '{}');
    writeFileSync(path.join(videoMediaDir(h.config.video_dir, id), 'x'), 'outside the generation');
    writeFileSync(path.join(h.config.video_dir, 'x'), 'outside the media folder');
  });
  afterAll(async () => h?.close());

  const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(base, method, p, headers);
  const mp4 = () => derivedPath(id, '360.mp4');

  it.each(TYPES)('%s is served whole with its type, validators and no-cache', async (name, type) => {
    const res = await get(derivedPath(id, name));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-length']).toBe(String(files[name].length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(res.body.equals(files[name])).toBe(true);
  });

  it.each(TYPES)('%s?g=<current> is immutable; another generation is 404 (pictures: the current one, revalidated)', async (name) => {
    const current = await get(`${derivedPath(id, name)}?g=${gen}`);
    expect(current.status).toBe(200);
    expect(current.headers['cache-control']).toBe(IMMUTABLE);
    expect(current.body.equals(files[name])).toBe(true);
    const older = await get(`${derivedPath(id, name)}?g=${newGeneration(Date.now() - 60_000)}`);
    if (name.endsWith('.jpg')) {
      // A page rendered before the last install still shows this video's picture.
      expect(older.status).toBe(200);
      expect(older.headers['cache-control']).toBe('no-cache');
      expect(older.body.equals(files[name])).toBe(true);
    } else {
      expect(older.status).toBe(404);
    }
    for (const g of ['nonsense', '', gen.toUpperCase()]) {
      const other = await get(`${derivedPath(id, name)}?g=${g}`);
      expect(other.status, `g=${g}`).toBe(404);
      expect(JSON.parse(other.body.toString()).error_code).toBe('006');
    }
  });

  it.each<[string, number, number]>([
    ['bytes=0-0', 0, 0],
    ['bytes=800-299999', 800, 299_999],
    ['bytes=100000-', 100_000, 299_999],
    ['bytes=-1000', 299_000, 299_999],
    ['bytes=150000-250000', 150_000, 250_000],
  ])('a range of the fMP4 (%s) → 206 with exactly those bytes, on both paths', async (range, start, end) => {
    for (const p of [mp4(), `${mp4()}?g=${gen}`]) {
      for (let i = 0; i < 2; i++) {
        const res = await get(p, { range });
        expect(res.status).toBe(206);
        expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/300000`);
        expect(res.headers['content-length']).toBe(String(end - start + 1));
        expect(res.headers['content-type']).toBe('video/mp4');
        expect(res.body.equals(files['360.mp4'].subarray(start, end + 1))).toBe(true);
      }
    }
  });

  it('the fast path answers fMP4 ranges of a cached row exactly as the route does', async () => {
    const p = `${mp4()}?g=${gen}`;
    h.app.videoRows.invalidate(id);
    const before = h.app.fastPathServed();
    const slow = await get(p, { range: 'bytes=10-20000' });
    expect(h.app.fastPathServed()).toBe(before);
    const fast = await get(p, { range: 'bytes=10-20000' });
    expect(h.app.fastPathServed()).toBe(before + 1);
    const strip = (r: typeof fast) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'date' && k !== 'x-request-id'));
    expect(strip(fast)).toEqual(strip(slow));
    expect(fast.body.equals(slow.body)).toBe(true);
    expect((await get(`${mp4()}?g=${newGeneration()}`, { range: 'bytes=0-1' })).status).toBe(404);
    expect(h.app.fastPathServed()).toBe(before + 1);
  });

  it('416 with bytes */size, multi-range as multipart, HEAD with headers only', async () => {
    const over = await get(mp4(), { range: 'bytes=300000-' });
    expect(over.status).toBe(416);
    expect(over.headers['content-range']).toBe('bytes */300000');
    const multi = await get(derivedPath(id, 'poster.jpg'), { range: 'bytes=0-9,100-109' });
    expect(multi.status).toBe(206);
    expect(multi.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
    for (const [name, type] of TYPES) {
      const head = await get(`${derivedPath(id, name)}?g=${gen}`, {}, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe(type);
      expect(head.headers['content-length']).toBe(String(files[name].length));
      expect(head.headers['cache-control']).toBe(IMMUTABLE);
      expect(head.body.length).toBe(0);
    }
    const rangedHead = await get(mp4(), { range: 'bytes=0-99' }, 'HEAD');
    expect([rangedHead.status, rangedHead.headers['content-length'], rangedHead.body.length]).toEqual([206, '100', 0]);
  });

  it('ETag and Last-Modified: 304 with the cache header, If-Range with a stale tag gets the whole file', async () => {
    const first = await get(derivedPath(id, 'poster.jpg'));
    const etag = first.headers.etag!;
    for (const headers of [{ 'if-none-match': etag }, { 'if-modified-since': first.headers['last-modified']! }] as Record<string, string>[]) {
      const res = await get(`${derivedPath(id, 'poster.jpg')}?g=${gen}`, headers);
      expect(res.status).toBe(304);
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(res.body.length).toBe(0);
    }
    expect((await get(derivedPath(id, 'poster.jpg'), { 'if-none-match': '"other"' })).status).toBe(200);
    const mp4Tag = (await get(mp4(), {}, 'HEAD')).headers.etag!;
    expect((await get(mp4(), { range: 'bytes=0-9', 'if-range': mp4Tag })).status).toBe(206);
    expect((await get(mp4(), { range: 'bytes=0-9', 'if-range': '"old"' })).status).toBe(200);
    expect((await get(mp4(), { 'if-match': '"old"' })).status).toBe(412);
  });

  it.each([
    '/poster.png', '/Poster.jpg', '/hls/master.m3u8.bak', '/hls/999999.mp4', '/hls/0360.mp4', '/hls/720.mp4', '/hls/info.json',
    '/hls/..%2Fx', '/..%2Fx', '/hls/..%2F..%2Fx', '/hls/..%2F..%2F..%2Fx', '/%2E%2E%2Fx', '/hls/360.mp4%00', '/hls/360.mp4%2F',
    '/master.m3u8', '/hls/poster.jpg', '/hls', '/x', '/info.json',
  ])('%s → 404 even where a joined name would find a file', async (suffix) => {
    for (const g of ['', `?g=${gen}`]) {
      const res = await get(`/videos/${id}${suffix}${g}`);
      expect(res.status, `${suffix}${g}`).toBe(404);
      expect(JSON.parse(res.body.toString()).error_code).toBe('006');
    }
  });

  it('404 before processing is done, for a missing file, and for a generation name that is no generation', async () => {
    const v = await makeVideo(h, userId, { fixture: MP4 });
    expect((await get(derivedPath(v, 'poster.jpg'))).status).toBe(404);
    const g = writeGeneration(h, v, { 'poster.jpg': Buffer.from('jpeg') });
    expect((await get(derivedPath(v, 'poster.jpg'))).status).toBe(404);
    await setMediaGen(h, v, g);
    expect((await get(derivedPath(v, 'poster.jpg'))).status).toBe(200);
    expect((await get(derivedPath(v, 'thumb.jpg'))).status).toBe(404);
    expect((await get(derivedPath(v, 'master.m3u8'))).status).toBe(404);
    writeFileSync(path.join(videoMediaDir(h.config.video_dir, v), 'poster.jpg'), 'outside');
    for (const bad of ['.', '..', '../..', `${g}/..`]) {
      await setMediaGen(h, v, bad);
      expect((await get(derivedPath(v, 'poster.jpg'))).status, bad).toBe(404);
    }
    await setMediaGen(h, v, null);
    expect((await get(derivedPath(v, 'poster.jpg'))).status).toBe(404);
  });

  it('a new generation replaces the old one: the old g is 404 for its renditions, its pictures are the new ones', async () => {
    const v = await makeVideo(h, userId, { fixture: MP4 });
    const first = await installGeneration(h, v);
    expect((await get(`${derivedPath(v, 'poster.jpg')}?g=${first.gen}`)).status).toBe(200);
    const g2 = newGeneration();
    const second = fakeGeneration(g2);
    writeGeneration(h, v, second, g2);
    await setMediaGen(h, v, g2);
    expect((await get(`${derivedPath(v, '360.mp4')}?g=${first.gen}`)).status).toBe(404);
    expect((await get(`${derivedPath(v, 'master.m3u8')}?g=${first.gen}`)).status).toBe(404);
    expect((await get(`${derivedPath(v, 'poster.jpg')}?g=${first.gen}`)).body.equals(second['poster.jpg'])).toBe(true);
    expect((await get(`${derivedPath(v, 'poster.jpg')}?g=${g2}`)).body.equals(second['poster.jpg'])).toBe(true);
    expect((await get(derivedPath(v, 'poster.jpg'))).body.equals(second['poster.jpg'])).toBe(true);
  });

  it('a deleted video: 404 at once, for every file, once the api says it changed', async () => {
    const v = await makeVideo(h, userId, { fixture: MP4 });
    const { gen: g } = await installGeneration(h, v);
    for (let i = 0; i < 2; i++) expect((await get(`${derivedPath(v, '360.mp4')}?g=${g}`, { range: 'bytes=0-9' })).status).toBe(206);
    await softDeleteVideo(h.db.kysely, v, userId, Date.now());
    expect((await rawRequest(base, 'POST', `/internal/videos/${v}/changed`, { 'x-internal-token': TOKEN })).status).toBe(204);
    for (const [name] of TYPES) {
      expect((await get(`${derivedPath(v, name)}?g=${g}`, { range: 'bytes=0-9' })).status).toBe(404);
      expect((await get(derivedPath(v, name))).status).toBe(404);
    }
  });

  it('an unknown or invalid id: 404 or 400 as for the original', async () => {
    expect((await get(`/videos/${'a'.repeat(64)}/poster.jpg`)).status).toBe(404);
    expect((await get('/videos/a.b/poster.jpg')).status).toBe(400);
    expect((await get(`/videos/${'a'.repeat(65)}/hls/master.m3u8`)).status).toBe(400);
  });
});
