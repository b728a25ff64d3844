import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWeb, startFakeApi, startFakeStream, startUpstream, type FakeApi, type FakeStream, type Upstream } from '../helper.js';

let api: FakeApi;
let stream: FakeStream;
let web: FastifyInstance;
let base: string;

beforeAll(async () => {
  api = await startFakeApi();
  stream = await startFakeStream();
  web = await buildWeb({ api_url: api.url, stream_url: stream.url });
  await web.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await web?.close();
  await api?.close();
  await stream?.close();
});

describe('/api/* → api', () => {
  it('removes the prefix and keeps method, query, body and status', async () => {
    const res = await fetch(`${base}/api/videos/v1/comments?limit=5&cursor=abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
      body: JSON.stringify({ content: 'hello' }),
    });
    expect(res.status).toBe(200);
    const echo = await res.json();
    expect(echo).toMatchObject({ method: 'POST', url: '/videos/v1/comments?limit=5&cursor=abc', body: '{"content":"hello"}' });
    expect(echo.headers['x-custom']).toBe('yes');
  });

  it.each(['GET', 'DELETE', 'PUT', 'PATCH'])('passes %s through', async (method) => {
    const res = await fetch(`${base}/api/user/anna/videos/v9`, { method });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ method, url: '/user/anna/videos/v9' });
  });

  it('passes error statuses and headers through untouched', async () => {
    const res = await fetch(`${base}/api/status/404`);
    expect(res.status).toBe(404);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error: 'status 404', error_code: '006' });
  });

  it('does not retry a 503 from the api', async () => {
    const before = api.seen.filter((s) => s.url === '/status/503').length;
    const res = await fetch(`${base}/api/status/503`);
    expect(res.status).toBe(503);
    expect(api.seen.filter((s) => s.url === '/status/503').length).toBe(before + 1);
  });

  it('turns the session cookie into X-Session-Id, unless the header is there', async () => {
    const a = await (await fetch(`${base}/api/x`, { headers: { cookie: 'other=1; session=abc-123' } })).json();
    expect(a.headers['x-session-id']).toBe('abc-123');
    const b = await (
      await fetch(`${base}/api/x`, { headers: { cookie: 'session=from-cookie', 'x-session-id': 'from-header' } })
    ).json();
    expect(b.headers['x-session-id']).toBe('from-header');
    const c = await (await fetch(`${base}/api/x`)).json();
    expect(c.headers['x-session-id']).toBeUndefined();
  });

  it('sets X-Forwarded-For to the client the web found: a trusted (loopback) peer may name it', async () => {
    // The default trusted_proxies is loopback: this test's client stands where nginx would.
    const echo = await (await fetch(`${base}/api/x`, { headers: { 'x-forwarded-for': '6.6.6.6' } })).json();
    expect(echo.headers['x-forwarded-for']).toBe('6.6.6.6');
    expect(echo.headers.host).toBe(new URL(api.url).host);
    // Only the first untrusted hop goes on: a client's own prefix before it is not passed along.
    const chain = await (await fetch(`${base}/api/x`, { headers: { 'x-forwarded-for': '1.1.1.1, 6.6.6.6' } })).json();
    expect(chain.headers['x-forwarded-for']).toBe('6.6.6.6');
  });

  it('passes long paths (a 64-character name in a 4-byte script) through', async () => {
    const name = encodeURIComponent('𠀀'.repeat(64));
    const res = await fetch(`${base}/api/user/${name}/videos`);
    expect(res.status).toBe(200);
    expect((await res.json()).url).toBe(`/user/${name}/videos`);
  });

  it('leaves the bare POST /api to the legacy envelope', async () => {
    const res = await fetch(`${base}/api`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect((await res.json()).error_code).toBe('001');
  });
});

describe('/videos/* and /upload/* → stream server', () => {
  it('streams a whole file, a range (206) and an unsatisfiable range (416)', async () => {
    const whole = await fetch(`${base}/videos/v1`);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(stream.file)).toBe(true);

    const part = await fetch(`${base}/videos/v1`, { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${stream.file.length}`);
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await part.arrayBuffer()).equals(stream.file.subarray(1000, 2000))).toBe(true);

    const none = await fetch(`${base}/videos/v1`, { headers: { range: 'bytes=99999999-' } });
    expect(none.status).toBe(416);
    expect(none.headers.get('content-range')).toBe(`bytes */${stream.file.length}`);
  });

  it('answers HEAD with headers only', async () => {
    const res = await fetch(`${base}/videos/v1`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(stream.file.length));
  });

  it('passes an upload larger than the web body limit through, byte for byte, with the session', async () => {
    const file = randomBytes(5 * 1024 * 1024);
    const form = new FormData();
    form.append('file', new Blob([file], { type: 'video/mp4' }), 'clip.mp4');
    const res = await fetch(`${base}/upload/vid-1`, { method: 'POST', body: form, headers: { cookie: 'session=s-1' } });
    expect(res.status).toBe(201);
    const seen = stream.seen.findLast((s) => s.url === '/upload/vid-1')!;
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.headers['x-session-id']).toBe('s-1');
    expect(seen.bodyLength).toBeGreaterThan(file.length);
    expect((await res.json()).size).toBe(seen.bodyLength);
  });

  it('does not proxy other methods or paths', async () => {
    expect((await fetch(`${base}/videos/v1`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${base}/upload/v1`)).status).toBe(404);
  });
});

describe('streaming, not buffering', () => {
  let slow: Upstream;
  let slowWeb: FastifyInstance;
  let slowBase: string;

  beforeAll(async () => {
    // Answers as soon as the first bytes of the body arrive: only a streaming proxy lets that happen
    // before the client has finished sending.
    slow = await startUpstream((app) => {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      app.post('/upload/:id', (request, reply) => {
        const body = request.body as NodeJS.ReadableStream;
        body.once('data', (chunk: Buffer) => {
          reply.code(201).send({ first: chunk.length });
          body.resume();
        });
      });
    });
    slowWeb = await buildWeb({ api_url: api.url, stream_url: slow.url });
    await slowWeb.listen({ port: 0, host: '127.0.0.1' });
    slowBase = `http://127.0.0.1:${(slowWeb.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await slowWeb?.close();
    await slow?.close();
  });

  it('the stream server sees the first chunk of an upload before the client sends the rest', async () => {
    const url = new URL(`${slowBase}/upload/v1`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'video/mp4', 'content-length': 2_000_000 } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.write(Buffer.alloc(64 * 1024));
      // The rest is never sent: a buffering proxy would wait here until the timeout.
      setTimeout(() => reject(new Error('no answer before the body ended: the proxy buffers')), 5_000).unref();
    });
    expect(status).toBe(201);
  });
});
