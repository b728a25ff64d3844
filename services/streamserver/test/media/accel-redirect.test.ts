import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { installGeneration } from '../derived/derived-helper.js';
import { listen, makeUser, makeVideo, MP4, mp4Bytes, rawRequest, startApp, until, writeBigFile, type Harness } from '../helper.js';

const VIA_NGINX = { 'x-accel-allowed': '1' };
const PREFIX = '/_accel';

describe.each(testDialects())('stream_accel_redirect_prefix (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let owner: { userId: number; sessionId: string };
  let stranger: { userId: number; sessionId: string };
  let open: string;
  let closed: string;
  let gen: string;
  const size = mp4Bytes().length;

  beforeAll(async () => {
    h = await startApp(dialect, { stream_accel_redirect_prefix: PREFIX });
    base = await listen(h.app);
    owner = await makeUser(h.db);
    stranger = await makeUser(h.db);
    open = await makeVideo(h, owner.userId, { fixture: MP4, contentType: 'video/mp4' });
    closed = await makeVideo(h, owner.userId, { fixture: MP4, contentType: 'video/mp4' });
    await h.db.kysely.updateTable('video_info').set({ privacy: 'private' }).where('id', '=', closed).execute();
    gen = (await installGeneration(h, open)).gen;
  });
  afterAll(async () => h?.close());

  const expectAccel = (res: Awaited<ReturnType<typeof rawRequest>>, uri: string) => {
    expect(res.status).toBe(200);
    expect(res.headers['x-accel-redirect']).toBe(uri);
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['content-range']).toBeUndefined();
    expect(res.body.length).toBe(0);
  };

  it('hands a balancer request for the original to nginx, on the route and then on the fast path', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await rawRequest(base, 'GET', `/videos/${open}`, { ...VIA_NGINX, range: 'bytes=10-19' });
      expectAccel(res, `${PREFIX}/${open}`);
      expect(res.headers['content-type']).toBe('video/mp4');
      expect(res.headers.etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/);
      expect(res.headers['x-request-id']).toBeTruthy();
    }
    expect(h.app.fastPathServed()).toBeGreaterThan(0);
  });

  it('hands over HLS files with the Cache-Control of their generation', async () => {
    const media = await rawRequest(base, 'GET', `/videos/${open}/hls/360.mp4?g=${gen}`, VIA_NGINX);
    expectAccel(media, `${PREFIX}/.media/${open}/${gen}/360.mp4`);
    expect(media.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const master = await rawRequest(base, 'GET', `/videos/${open}/hls/master.m3u8`, VIA_NGINX);
    expectAccel(master, `${PREFIX}/.media/${open}/${gen}/master.m3u8`);
    expect(master.headers['cache-control']).toBe('no-cache');
    expect(master.headers['content-type']).toBe('application/vnd.apple.mpegurl');
  });

  it('keeps the privacy check: a stranger gets 404 and no path, the owner is handed over', async () => {
    const other = await rawRequest(base, 'GET', `/videos/${closed}`, { ...VIA_NGINX, 'x-session-id': stranger.sessionId });
    expect(other.status).toBe(404);
    expect(other.headers['x-accel-redirect']).toBeUndefined();
    const mine = await rawRequest(base, 'GET', `/videos/${closed}`, { ...VIA_NGINX, 'x-session-id': owner.sessionId });
    expectAccel(mine, `${PREFIX}/${closed}`);
  });

  it.each([
    ['no balancer header', {}, 200],
    ['a header other than 1', { 'x-accel-allowed': 'yes' }, 200],
    ['HEAD', { ...VIA_NGINX, method: 'HEAD' }, 200],
    ['If-Range (nginx would judge it by its own ETag)', { ...VIA_NGINX, 'if-range': '"other"', range: 'bytes=0-9' }, 200],
    ['two ranges', { ...VIA_NGINX, range: 'bytes=0-9,100-109' }, 206],
  ])('sends the bytes itself with %s', async (_label, headers: Record<string, string>, status) => {
    const { method = 'GET', ...rest } = headers;
    const res = await rawRequest(base, method, `/videos/${open}`, rest);
    expect(res.status).toBe(status);
    expect(res.headers['x-accel-redirect']).toBeUndefined();
    if (method === 'GET' && status === 200) expect(res.body.length).toBe(size);
  });

  it('answers 304, 412 and 416 itself', async () => {
    const { etag } = (await rawRequest(base, 'GET', `/videos/${open}`)).headers;
    const cases: [Record<string, string>, number][] = [
      [{ 'if-none-match': etag! }, 304],
      [{ 'if-match': '"nope"' }, 412],
      [{ range: `bytes=${size + 10}-` }, 416],
    ];
    for (const [headers, status] of cases) {
      const res = await rawRequest(base, 'GET', `/videos/${open}`, { ...VIA_NGINX, ...headers });
      expect(res.status).toBe(status);
      expect(res.headers['x-accel-redirect']).toBeUndefined();
    }
  });
});

describe('stream_accel_redirect_prefix and the limiter', () => {
  it('answers 429 before handing anything over, and frees the slot as soon as it has handed over', async () => {
    const h = await startApp('sqlite', { stream_accel_redirect_prefix: PREFIX, stream_max_connections: 1 });
    let stalled: Socket | undefined;
    try {
      const base = await listen(h.app);
      const id = await makeVideo(h, (await makeUser(h.db)).userId, { fixture: MP4, contentType: 'video/mp4' });
      writeBigFile(path.join(h.config.video_dir, id));
      // A download the stream server sends itself (no balancer header), never read: it holds the one slot.
      stalled = await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: Number(new URL(base).port) }, () => {
          s.pause();
          s.write(`GET /videos/${id} HTTP/1.1\r\nHost: x\r\n\r\n`);
          resolve(s);
        });
        s.on('error', reject);
      });
      await until('the slot taken', () => h.app.connectionLimiter.inUse() === 1);
      const over = await rawRequest(base, 'GET', `/videos/${id}`, VIA_NGINX);
      expect(over.status).toBe(429);
      expect(over.headers['x-accel-redirect']).toBeUndefined();
      stalled.destroy();
      await until('the slot freed', () => h.app.connectionLimiter.inUse() === 0);
      for (let i = 0; i < 3; i++) {
        const res = await rawRequest(base, 'GET', `/videos/${id}`, VIA_NGINX);
        expect(res.headers['x-accel-redirect']).toBe(`${PREFIX}/${id}`);
        // Nothing is left in flight here: the next handed-over request finds the one slot free.
        await until('the slot freed at once', () => h.app.connectionLimiter.inUse() === 0, 1000);
      }
    } finally {
      stalled?.destroy();
      await h.close();
    }
  });
});

describe('stream_accel_redirect_prefix: who may ask', () => {
  it('sends the bytes to an address outside trusted_proxies, and with the key empty', async () => {
    for (const overrides of [{ stream_accel_redirect_prefix: PREFIX, trusted_proxies: ['10.9.9.9'] }, { stream_accel_redirect_prefix: '' }]) {
      const h = await startApp('sqlite', overrides);
      try {
        const base = await listen(h.app);
        const id = await makeVideo(h, (await makeUser(h.db)).userId, { fixture: MP4, contentType: 'video/mp4' });
        const res = await rawRequest(base, 'GET', `/videos/${id}`, VIA_NGINX);
        expect(res.status).toBe(200);
        expect(res.headers['x-accel-redirect']).toBeUndefined();
        expect(res.body.equals(mp4Bytes())).toBe(true);
      } finally {
        await h.close();
      }
    }
  });

  it.each(['_accel', '/_accel/', '/a b', '/../x'])('refuses the prefix %j', (prefix) => {
    expect(() => loadConfig({ file: null, env: {}, overrides: { stream_accel_redirect_prefix: prefix } })).toThrow(/stream_accel_redirect_prefix/);
  });
});
