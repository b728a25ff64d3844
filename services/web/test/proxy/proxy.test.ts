import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import { LINGER_MS } from '../../src/proxy/upstream-errors.js';
import { twoOnOneConnection } from '../../../../test/system/harness/raw.js';
import { buildWeb, deadPort, startFakeApi, startFakeStream, startUpstream, type FakeApi, type FakeStream, type Upstream } from '../helper.js';

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

describe('timeouts', () => {
  let hang: Upstream;
  let quickWeb: FastifyInstance;
  let quickBase: string;

  beforeAll(async () => {
    hang = await startUpstream((app) => {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      // Never answers (until the test ends).
      app.get('/videos/:id', () => new Promise(() => undefined));
      // Answers only after the whole body has arrived, like the stream server.
      app.post('/upload/:id', async (request, reply) => {
        let size = 0;
        for await (const chunk of request.body as AsyncIterable<Buffer>) size += chunk.length;
        return reply.code(201).send({ size });
      });
    });
    quickWeb = await buildWeb({ api_url: hang.url, stream_url: hang.url }, { proxyHeadersTimeoutMs: 400 });
    await quickWeb.listen({ port: 0, host: '127.0.0.1' });
    quickBase = `http://127.0.0.1:${(quickWeb.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await quickWeb?.close();
    await hang?.close();
  });

  it('an upstream that accepts but never answers is a 503 011, not a hang', async () => {
    const started = Date.now();
    const res = await fetch(`${quickBase}/videos/v1`);
    expect(res.status).toBe(503);
    expect((await res.json()).error_code).toBe('011');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a slow upload is not cut off by the answer timeout', async () => {
    const url = new URL(`${quickBase}/upload/v1`);
    const chunks = 8;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'video/mp4', 'content-length': chunks * 1024 } },
        (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        req.write(Buffer.alloc(1024));
        if (++sent === chunks) {
          clearInterval(timer);
          req.end();
        }
      }, 150);
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ size: chunks * 1024 });
  });
});

describe('a client that goes away', () => {
  let endless: Upstream;
  let endlessWeb: FastifyInstance;
  let endlessBase: string;
  let upstreamClosed: Promise<number>;

  beforeAll(async () => {
    let markClosed: (ms: number) => void = () => undefined;
    upstreamClosed = new Promise((resolve) => (markClosed = resolve));
    endless = await startUpstream((app) => {
      // A stream that would run for 20 s: the stream server's view of a long video.
      app.get('/videos/:id', (request, reply) => {
        const started = Date.now();
        let n = 0;
        const timer = setInterval(() => {
          if (++n > 400) {
            clearInterval(timer);
            reply.raw.end();
          } else reply.raw.write(Buffer.alloc(16 * 1024));
        }, 50);
        reply.raw.on('close', () => {
          clearInterval(timer);
          markClosed(Date.now() - started);
        });
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'video/mp4' });
      });
    });
    endlessWeb = await buildWeb({ api_url: endless.url, stream_url: endless.url });
    await endlessWeb.listen({ port: 0, host: '127.0.0.1' });
    endlessBase = `http://127.0.0.1:${(endlessWeb.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await endlessWeb?.close();
    await endless?.close();
  });

  it('ends the upstream stream too (the stream server frees its slot)', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${endlessBase}/videos/v1`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    });
    const closedAfter = await Promise.race([upstreamClosed, new Promise<number>((r) => setTimeout(() => r(-1), 5_000))]);
    expect(closedAfter).toBeGreaterThan(0);
    expect(closedAfter).toBeLessThan(5_000);
  });
});

describe('an upstream that is down', () => {
  let down: FastifyInstance;
  let downBase: string;
  beforeAll(async () => {
    const port = await deadPort();
    down = await buildWeb({ api_url: `http://127.0.0.1:${port}`, stream_url: `http://127.0.0.1:${port}` });
    await down.listen({ port: 0, host: '127.0.0.1' });
    downBase = `http://127.0.0.1:${(down.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => down?.close());

  it.each([
    ['GET', '/api/user/a/videos'],
    ['POST', '/api/videos/v/comments'],
    ['GET', '/videos/v1'],
    ['POST', '/upload/v1'],
  ])('%s %s → 503 011 at once', async (method, url) => {
    const started = Date.now();
    const res = await fetch(`${downBase}${url}`, {
      method,
      ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{"a":1}' } : {}),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error_code: '011', error: expect.stringMatching(/unavailable/) });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('WebSocket through /api/*', () => {
  let wsUp: Upstream;
  let wsWeb: FastifyInstance;
  let wsBase: string;
  beforeAll(async () => {
    wsUp = await startUpstream(async (app) => {
      await app.register(websocket);
      app.get('/danmaku/ws', { websocket: true }, (socket, request) => {
        socket.send(JSON.stringify({ session: request.headers['x-session-id'] ?? null, url: request.url }));
        socket.on('message', (m: Buffer) => socket.send(`echo:${m.toString()}`));
      });
    });
    wsWeb = await buildWeb({ api_url: wsUp.url, stream_url: wsUp.url });
    await wsWeb.listen({ port: 0, host: '127.0.0.1' });
    wsBase = `ws://127.0.0.1:${(wsWeb.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await wsWeb?.close();
    await wsUp?.close();
  });

  it('proxies the socket with the session from the cookie', async () => {
    const ws = new WebSocket(`${wsBase}/api/danmaku/ws?id=v1`, { headers: { cookie: 'session=sess-9' } });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no messages')), 5_000);
      ws.on('message', (m) => {
        messages.push(m.toString());
        if (messages.length === 1) ws.send('hi');
        if (messages.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(JSON.parse(messages[0])).toEqual({ session: 'sess-9', url: '/danmaku/ws?id=v1' });
    expect(messages[1]).toBe('echo:hi');
  });

  it('keeps the caller’s own X-Session-Id over a different cookie', async () => {
    const ws = new WebSocket(`${wsBase}/api/danmaku/ws?id=v1`, { headers: { cookie: 'session=from-cookie', 'x-session-id': 'from-header' } });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message')), 5_000);
      ws.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(JSON.parse(first)).toEqual({ session: 'from-header', url: '/danmaku/ws?id=v1' });
  });
});

describe('an answer that comes before the upload has all arrived', () => {
  let early: Upstream;
  let earlyWeb: FastifyInstance;
  let earlyPort: number;
  let downWeb: FastifyInstance;
  let downPort: number;
  let markAborted: () => void = () => undefined;

  beforeAll(async () => {
    early = await startUpstream((app) => {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      // Refuses an upload on its first bytes, as the stream server does one that is too large.
      app.post('/upload/too-big', (_request, reply) => {
        reply.code(413).send({ error: 'too large', error_code: '009' });
      });
      // Reads until the client goes away, and reports that it noticed.
      app.post('/upload/forever', (request) => {
        request.raw.on('close', () => {
          if (!request.raw.complete) markAborted();
        });
        (request.body as NodeJS.ReadableStream).resume();
        return new Promise(() => undefined);
      });
      app.get('/videos/:id', async () => ({ ok: true }));
    });
    earlyWeb = await buildWeb({ api_url: early.url, stream_url: early.url });
    await earlyWeb.listen({ port: 0, host: '127.0.0.1' });
    earlyPort = (earlyWeb.server.address() as AddressInfo).port;
    const dead = await deadPort();
    downWeb = await buildWeb({ api_url: early.url, stream_url: `http://127.0.0.1:${dead}` });
    await downWeb.listen({ port: 0, host: '127.0.0.1' });
    downPort = (downWeb.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await earlyWeb?.close();
    await downWeb?.close();
    await early?.close();
  });

  const upload = (id: string, size: number) =>
    Buffer.concat([
      Buffer.from(`POST /upload/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\nContent-Length: ${size}\r\n\r\n`),
      randomBytes(size),
    ]);
  const next = 'GET /videos/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

  it('a stream server that is down: every client reads its 503, and its connection still works', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 15; i++) {
      const answers = await twoOnOneConnection(downPort, upload('v1', 2 * 1024 * 1024), next);
      seen.push(`${answers.first} | ${answers.second}`);
    }
    // Before, the web's socket was destroyed under the answer now and then: the client read nothing.
    expect(new Set(seen)).toEqual(new Set(['HTTP/1.1 503 Service Unavailable | HTTP/1.1 503 Service Unavailable']));
  });

  it('a stream server that refuses early: the client reads its 413, and its connection still works', async () => {
    for (let i = 0; i < 5; i++) {
      const answers = await twoOnOneConnection(earlyPort, upload('too-big', 2 * 1024 * 1024), next);
      expect(answers).toEqual({ first: 'HTTP/1.1 413 Payload Too Large', second: 'HTTP/1.1 200 OK' });
    }
  });

  it('a client that stops sending after the answer is cut off after the linger time', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: downPort });
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    socket.write(upload('v1', 1024 * 1024).subarray(0, 256 * 1024));
    const closedAt = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), LINGER_MS + 5_000))]);
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(closedAt, 'the web never closed the stalled connection').toBeGreaterThan(0);
    expect(closedAt - started).toBeGreaterThanOrEqual(LINGER_MS - 100);
  }, LINGER_MS + 10_000);

  it('a client that goes away mid-upload aborts the upstream request', async () => {
    const aborted = new Promise<void>((resolve) => (markAborted = resolve));
    const socket = net.connect({ host: '127.0.0.1', port: earlyPort });
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(upload('forever', 4 * 1024 * 1024).subarray(0, 512 * 1024));
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    const result = await Promise.race([aborted.then(() => 'aborted'), new Promise((r) => setTimeout(() => r('still open'), 5_000))]);
    expect(result).toBe('aborted');
  });
});
