import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildApp } from '../../../services/streamserver/src/app.js';
import { abortAfterHeaders, listen, rawRequest } from '../../../services/streamserver/test/helper.js';
import { fixture, mediaGen, startWorld, type S3World } from './s3-world.js';

describe.each(testDialects())('object storage: s3_serve proxy streams objects with ranges (%s)', (dialect) => {
  let w: S3World;
  let id: string;
  const bytes = fixture();
  const size = bytes.length;
  beforeAll(async () => {
    w = await startWorld(dialect);
    id = await w.upload();
    await w.process();
    expect(await w.move()).toMatchObject({ moved: 1 });
  });
  afterAll(async () => {
    await w?.close();
  });
  const get = (range?: string, url = `/videos/${id}`) => fetch(`${w.proxy}${url}`, { redirect: 'manual', headers: range ? { range } : {} });

  it('answers a whole GET with 200 and the object headers', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe(String(size));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it.each([
    ['the first bytes', 'bytes=0-99', 0, 99],
    ['a middle range', `bytes=1000-1999`, 1000, 1999],
    ['a suffix', 'bytes=-64', size - 64, size - 1],
    ['an open end', `bytes=${size - 10}-`, size - 10, size - 1],
  ])('answers %s with 206 and its Content-Range', async (_what, range, start, end) => {
    const res = await get(range);
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  it('answers a range past the end with 416 and bytes */size in the error shape', async () => {
    const res = await get(`bytes=${size}-`);
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(await res.json()).toMatchObject({ error_code: '001' });
  });

  it('answers a zero-length suffix with 416, and a suffix longer than the object with all of it', async () => {
    const zero = await get('bytes=-0');
    expect(zero.status).toBe(416);
    expect(zero.headers.get('content-range')).toBe(`bytes */${size}`);
    const all = await get(`bytes=-${size + 100}`);
    expect(all.status).toBe(206);
    expect(all.headers.get('content-range')).toBe(`bytes 0-${size - 1}/${size}`);
    expect(Buffer.from(await all.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers HEAD with the length and no body', async () => {
    const res = await fetch(`${w.proxy}/videos/${id}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(size));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('streams derived files with their Cache-Control', async () => {
    const gen = await mediaGen(w.db, id);
    const res = await get(undefined, `/videos/${id}/hls/master.m3u8?g=${gen}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('master.m3u8');
    expect((await get('bytes=0-1', `/videos/${id}/hls/720.mp4?g=${gen}`)).status).toBe(206);
  });

  it('survives a client that goes away mid-body, and keeps serving', async () => {
    expect(await abortAfterHeaders(w.proxy, `/videos/${id}`)).toBe(200);
    const raw = await rawRequest(w.proxy, 'GET', `/videos/${id}`, { range: 'bytes=0-3' });
    expect(raw.status).toBe(206);
    expect(raw.body.equals(bytes.subarray(0, 4))).toBe(true);
  });

  it('answers 503 011 when the store is down (the redirect still presigns: it needs no request)', async () => {
    const dead = { ...w.config, s3_endpoint: 'http://127.0.0.1:9', s3_access_key: 'S3RVER-dead' };
    const apps = await Promise.all((['proxy', 'redirect'] as const).map((mode) => buildApp({ ...dead, s3_serve: mode }, { db: w.db, logger: false })));
    try {
      const [proxied, redirected] = await Promise.all(apps.map((app) => listen(app)));
      const res = await fetch(`${proxied}/videos/${id}`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error_code: '011' });
      expect((await fetch(`${proxied}/videos/${id}`, { method: 'HEAD' })).status).toBe(503);
      expect((await fetch(`${redirected}/videos/${id}`, { redirect: 'manual' })).status).toBe(302);
    } finally {
      for (const app of apps) await app.close();
    }
  });
});
