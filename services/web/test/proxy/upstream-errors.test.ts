import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { LINGER_MS } from '../../src/proxy/upstream-errors.js';
import { twoOnOneConnection } from '../../../../test/system/harness/raw.js';
import { buildWeb, deadPort, startUpstream, type Upstream } from '../helper.js';

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
