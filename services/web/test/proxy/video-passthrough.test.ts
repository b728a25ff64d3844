import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWeb, deadPort, request, startFakeApi, startFakeStream, startUpstream, type FakeApi, type FakeStream, type Upstream } from '../helper.js';

/** One request on `agent` (undefined: the global agent), the whole answer read. */
const get = (base: string, path: string, headers: http.OutgoingHttpHeaders = {}, agent?: http.Agent, method = 'GET') => request(base, path, headers, agent ?? http.globalAgent, method);

async function listen(web: FastifyInstance): Promise<string> {
  await web.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
}

describe('the video pass-through', () => {
  let api: FakeApi;
  let stream: FakeStream;
  let web: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    api = await startFakeApi();
    stream = await startFakeStream();
    web = await buildWeb({ api_url: api.url, stream_url: stream.url });
    base = await listen(web);
  });
  afterAll(async () => {
    await web?.close();
    await api?.close();
    await stream?.close();
  });

  it('relays plain video reads itself: whole file, range, HEAD', async () => {
    const before = web.videoPassthroughServed();
    const whole = await get(base, '/videos/v1');
    expect(whole.status).toBe(200);
    expect(whole.body.equals(stream.file)).toBe(true);
    const part = await get(base, '/videos/v1', { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${stream.file.length}`);
    expect(part.body.equals(stream.file.subarray(100, 200))).toBe(true);
    const head = await get(base, '/videos/v1', {}, undefined, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(stream.file.length));
    expect(head.body.length).toBe(0);
    expect(web.videoPassthroughServed() - before).toBe(3);
  });

  it('sends the upstream what the general proxy sends: session from the cookie, the web’s X-Forwarded-*, one request id', async () => {
    stream.seen.length = 0;
    const res = await get(base, '/videos/v2', {
      cookie: 'theme=dark; session=s-123',
      'x-forwarded-for': '203.0.113.9',
      'x-request-id': 'trace-abc-1',
      connection: 'keep-alive, x-hop',
      'x-hop': 'only for this hop',
      te: 'trailers',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('trace-abc-1');
    const seen = stream.seen.at(-1)!.headers;
    expect(seen['x-session-id']).toBe('s-123');
    // The loopback peer is a trusted proxy, so the address it names is the client.
    expect(seen['x-forwarded-for']).toBe('203.0.113.9');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(base).host);
    expect(seen['x-request-id']).toBe('trace-abc-1');
    expect(seen.host).toBe(new URL(stream.url).host);
    expect(seen['x-hop']).toBeUndefined();
    expect(seen.te).toBeUndefined();
  });

  it('keeps the caller’s own X-Session-Id over the cookie', async () => {
    stream.seen.length = 0;
    await get(base, '/videos/v3', { cookie: 'session=from-cookie', 'x-session-id': 'from-header' });
    expect(stream.seen.at(-1)!.headers['x-session-id']).toBe('from-header');
  });

  it('reuses its upstream connections (keep-alive)', async () => {
    const ports = new Set<number>();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    stream.app.server.on('connection', (s) => ports.add(s.remotePort ?? 0));
    for (let i = 0; i < 10; i++) expect((await get(base, '/videos/v4', { range: 'bytes=0-9' }, agent)).status).toBe(206);
    agent.destroy();
    expect(ports.size).toBeLessThanOrEqual(1);
  });

  it('relays a video’s posters and HLS files itself too, with their ?g= generation', async () => {
    const before = web.videoPassthroughServed();
    for (const path of ['/videos/v1/poster.jpg', '/videos/v1/thumb.jpg?g=gmif3k2a1-0123abcd', '/videos/v1/hls/master.m3u8', '/videos/v1/hls/720.mp4?g=gmif3k2a1-0123abcd']) {
      const res = await get(base, path, { range: 'bytes=0-9' });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe(`derived ${path}`);
    }
    expect(web.videoPassthroughServed() - before).toBe(4);
  });

  it('leaves an unusual derived URL to the general proxy', async () => {
    const before = web.videoPassthroughServed();
    for (const path of ['/videos/v1/poster.jpg?g=nope', '/videos/v1/poster.jpg?x=1', '/videos/v1/captions/en.vtt', '/videos/v1/hls/a/b.mp4', '/videos/v1/POSTER.JPG', '/videos/v1/..%2f..%2fx.jpg']) {
      const res = await get(base, path);
      expect(res.status).not.toBe(500);
    }
    expect(web.videoPassthroughServed()).toBe(before);
  });

  it('leaves anything unusual to the general proxy, which answers it the same way', async () => {
    const before = web.videoPassthroughServed();
    expect((await get(base, '/videos/v1?x=1')).status).toBe(200);
    expect((await get(base, '/videos/a%20b')).status).toBe(200);
    expect((await get(base, '/videos/v1', { expect: '100-continue' })).status).toBe(200);
    expect(web.videoPassthroughServed()).toBe(before);
  });
});

describe('the video pass-through with one stream slot', () => {
  let slow: Upstream;
  let web: FastifyInstance;
  let base: string;
  const pending: http.ServerResponse[] = [];

  beforeAll(async () => {
    slow = await startUpstream((app) => {
      app.get('/videos/:id', (_request, reply) => {
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000' });
        reply.raw.write(Buffer.alloc(10));
        pending.push(reply.raw);
      });
    });
    web = await buildWeb({ stream_url: slow.url, stream_max_connections: 1, cookie_secure: true });
    base = await listen(web);
  });
  afterAll(async () => {
    for (const res of pending) res.destroy();
    await web?.close();
    await slow?.close();
  });

  it('shares the slot count with the general proxy, and an abort gives the slot back', async () => {
    const first = await new Promise<http.ClientRequest>((resolve) => {
      const req = http.get(`${base}/videos/held`, (res) => {
        expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+$/);
        res.once('data', () => resolve(req));
      });
    });
    const busy = await get(base, '/videos/other');
    expect(busy.status).toBe(429);
    expect(JSON.parse(busy.body.toString())).toMatchObject({ error_code: '008' });
    const upstreamClosed = new Promise((resolve) => pending[0]!.once('close', resolve));
    first.destroy();
    await upstreamClosed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await new Promise<number>((resolve) => {
      const req = http.get(`${base}/videos/next`, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
    });
    expect(again).toBe(200);
  });
});

describe('the video pass-through with the stream server down', () => {
  it('answers 503 011 with Retry-After', async () => {
    const web = await buildWeb({ stream_url: `http://127.0.0.1:${await deadPort()}` });
    try {
      const base = await listen(web);
      const res = await get(base, '/videos/v1');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['x-request-id']).toBeTruthy();
      expect(JSON.parse(res.body.toString())).toEqual({ error: 'the stream service is unavailable, try again shortly', error_code: '011' });
      expect(web.videoPassthroughServed()).toBe(1);
    } finally {
      await web.close();
    }
  });
});
