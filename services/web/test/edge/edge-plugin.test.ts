import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Config } from '@video/shared';
import { rawRequest } from '../../../../test/system/harness/raw.js';
import { buildWeb, listen, startFakeApi, startFakeStream, startUpstream, type FakeApi, type FakeStream, type Upstream } from '../helper.js';

const run = promisify(execFile);

let api: FakeApi;
let stream: FakeStream;
let web: FastifyInstance;
let base: string;
let port: number;
let dir: string;

beforeAll(async () => {
  api = await startFakeApi();
  stream = await startFakeStream();
  web = await buildWeb({ api_url: api.url, stream_url: stream.url });
  ({ base, port } = await listen(web));
  dir = mkdtempSync(path.join(os.tmpdir(), 'web-edge-'));
});
afterAll(async () => {
  await web?.close();
  await api?.close();
  await stream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Expect: 100-continue', () => {
  const curl = async (args: string[]) => {
    const { stdout, stderr } = await run('curl', ['-sS', '-v', '-o', '-', '-w', '\n%{http_code}', '--max-time', '20', ...args]);
    return { status: Number(stdout.trim().split('\n').pop()), body: stdout, trace: stderr };
  };

  it('a real curl upload over 1 MiB through the web gets 100, then the stream server’s 201', async () => {
    const file = path.join(dir, 'clip.mp4');
    writeFileSync(file, randomBytes(3 * 1024 * 1024));
    const res = await curl(['-F', `file=@${file};type=video/mp4`, '-H', 'X-Session-Id: sess-curl', `${base}/upload/vid-curl`]);
    expect(res.trace).toMatch(/> Expect: 100-continue/);
    expect(res.trace).toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(res.status).toBe(201);
    const seen = stream.seen.findLast((s) => s.url === '/upload/vid-curl')!;
    expect(seen.headers['x-session-id']).toBe('sess-curl');
    expect(seen.headers.expect).toBeUndefined();
    expect(seen.bodyLength).toBeGreaterThan(3 * 1024 * 1024);
  });

  it.each([
    ['/api/videos/v1/comments', 'POST'],
    ['/api/user/anna/videos/v1', 'PATCH'],
    ['/files/abc', 'PATCH'],
  ])('%s (%s) with Expect answers through the proxy', async (url, method) => {
    // The fake stream server has no /files route: its 404 is the answer that matters, not a 503.
    const res = await curl(['-X', method, '-H', 'Expect: 100-continue', '-H', 'content-type: application/json', '--data-binary', '{"content":"hi"}', `${base}${url}`]);
    expect(res.trace).toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(res.status).toBe(url.startsWith('/files') ? 404 : 200);
  });

  it('the web’s own routes (sign-up, legacy POST /api) honour it too', async () => {
    const signup = await curl(['-H', 'Expect: 100-continue', '-H', 'content-type: application/json', '--data-binary', '{"user_name":"expecter","pwd":"secret1"}', `${base}/signup`]);
    expect(signup.status).toBe(201);
    const legacy = await curl(['-H', 'Expect: 100-continue', '-H', 'content-type: application/json', '--data-binary', '{"url":"/x","method":"GET"}', `${base}/api`]);
    expect(legacy.trace).toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(legacy.status).toBe(200);
  });

  it('on a raw socket: 100 first, the body after it, then the final answer', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 7);
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /upload/raw-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    for (let i = 0; i < 50 && !text.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    socket.write(body);
    for (let i = 0; i < 100 && !/HTTP\/1\.1 201/.test(text); i++) await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    expect(text).toMatch(/HTTP\/1\.1 201 Created/);
  });

  it('a request refused at its headers gets its final status, no 100, and no 503', async () => {
    const res = await rawRequest(
      port,
      'POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.test\r\nContent-Type: application/json\r\nContent-Length: 30\r\nExpect: 100-continue\r\n\r\n',
      { timeoutMs: 5_000 },
    );
    expect(res.status).toBe(403);
    expect(res.head).not.toMatch(/100 Continue/);
  });
});

describe('cross-site writes', () => {
  const evil = { origin: 'http://evil.test' };
  const cross = { 'sec-fetch-site': 'cross-site' };
  it.each([
    ['POST', '/signin', evil],
    ['POST', '/signup', cross],
    ['POST', '/signout', evil],
    ['POST', '/api', evil],
    ['POST', '/api/videos/v1/comments', cross],
    ['DELETE', '/api/user/anna/videos/v1', evil],
    ['PUT', '/api/user/anna', { origin: 'null' }],
    ['POST', '/upload/v1', evil],
    ['PATCH', '/files/abc', cross],
  ])('%s %s from another site → 403 005, and nothing reaches the upstream', async (method, url, headers) => {
    const before = api.seen.length + stream.seen.length;
    const res = await fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: '{"user_name":"x","pwd":"secret1"}' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error_code: '005', error: expect.any(String) });
    expect(api.seen.length + stream.seen.length).toBe(before);
  });

  it('same-origin requests and requests without those headers work', async () => {
    const host = new URL(base).host;
    const same = await fetch(`${base}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, 'sec-fetch-site': 'same-origin', host },
      body: JSON.stringify({ user_name: 'same-site', pwd: 'secret1' }),
    });
    expect(same.status).toBe(201);
    const rest = await fetch(`${base}/api/videos/v1/comments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(rest.status).toBe(200);
    const read = await fetch(`${base}/api/x`, { headers: evil });
    expect(read.status).toBe(200);
  });
});

describe('metrics, HSTS', () => {
  it.each(['/metrics', '/api/metrics', '/api//metrics', '/api/%6Detrics', '/metrics/'])('%s is 404 in the error shape on the public port', async (url) => {
    const before = api.seen.length;
    const res = await fetch(`${base}${url}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error_code: '006' });
    expect(api.seen.length).toBe(before);
  });

  it('the api docs still pass through', async () => {
    const res = await fetch(`${base}/api/docs`);
    expect(res.status).toBe(200);
    expect((await res.json()).url).toBe('/docs');
  });

  it('Strict-Transport-Security only when cookie_secure is on', async () => {
    expect((await fetch(`${base}/`)).headers.get('strict-transport-security')).toBeNull();
    const secure = await buildWeb({ api_url: api.url, stream_url: stream.url, cookie_secure: true });
    try {
      const res = await secure.inject({ url: '/' });
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    } finally {
      await secure.close();
    }
  });
});

describe('client address (trusted_proxies)', () => {
  it.each([
    ['no trusted proxies', [] as string[]],
    ['a proxy that is not this peer', ['10.9.8.7']],
  ])('%s: a forged X-Forwarded-For is replaced by the peer address, everywhere', async (_name, trusted) => {
    const strictWeb = await buildWeb({ api_url: api.url, stream_url: stream.url, trusted_proxies: trusted } as Partial<Config>);
    const { base: b } = await listen(strictWeb);
    try {
      const forged = { 'x-forwarded-for': '6.6.6.6' };
      const echo = await (await fetch(`${b}/api/x`, { headers: forged })).json();
      expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
      await fetch(`${b}/signin`, { method: 'POST', headers: { ...forged, 'content-type': 'application/json' }, body: '{"user_name":"n","pwd":"secret1"}' });
      expect(api.seen.findLast((s) => s.url === '/user/n')!.headers['x-forwarded-for']).toBe('127.0.0.1');
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(10)]), 'a.mp4');
      await fetch(`${b}/upload/xff`, { method: 'POST', headers: forged, body: form });
      expect(stream.seen.findLast((s) => s.url === '/upload/xff')!.headers['x-forwarded-for']).toBe('127.0.0.1');
    } finally {
      await strictWeb.close();
    }
  });
});

describe('slow clients and caps', () => {
  let hold: Upstream;
  let capWeb: FastifyInstance;
  let capPort: number;
  let capBase: string;
  const release: (() => void)[] = [];
  let concurrent = 0;
  let peak = 0;

  beforeAll(async () => {
    hold = await startUpstream((app) => {
      // Holds each download until the test releases it, counting how many the web has open at once.
      app.get('/videos/:id', (_request, reply) => {
        concurrent++;
        peak = Math.max(peak, concurrent);
        release.push(() => {
          concurrent--;
          reply.send({ ok: true });
        });
      });
      app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      app.post('/upload/:id', async (request) => ({ size: (request.body as Buffer)?.length ?? 0 }));
    });
    capWeb = await buildWeb({ api_url: api.url, stream_url: hold.url, stream_max_connections: 2, web_request_timeout_seconds: 1, web_max_connections: 16 } as Partial<Config>);
    ({ base: capBase, port: capPort } = await listen(capWeb));
  });
  afterAll(async () => {
    for (const r of release.splice(0)) r();
    capWeb?.server.closeAllConnections();
    await capWeb?.close();
    await hold?.close();
  });

  it('the web holds no more stream requests than stream_max_connections: the next is 429 008 at once', async () => {
    const held = [fetch(`${capBase}/videos/a`), fetch(`${capBase}/videos/b`)];
    for (let i = 0; i < 50 && release.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const over = await fetch(`${capBase}/videos/c`);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await over.json()).toMatchObject({ error_code: '008' });
    expect(peak).toBe(2);
    for (const r of release.splice(0)) r();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    const again = fetch(`${capBase}/videos/d`);
    for (let i = 0; i < 50 && release.length < 1; i++) await new Promise((r) => setTimeout(r, 50));
    for (const r of release.splice(0)) r();
    expect((await again).status).toBe(200);
  });

  it('a body trickled to an ordinary route is cut off at the whole-request deadline (408)', async () => {
    const res = await rawRequest(
      capPort,
      ['POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user'],
      { timeoutMs: 8_000 },
    );
    expect(res.status).toBe(408);
    expect(res.body.toString()).toMatch(/"error_code":"001"/);
  });

  it('an upload keeps no whole-request deadline', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: capPort });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /upload/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 8\r\n\r\n');
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 250));
      socket.write('x');
    }
    for (let i = 0; i < 40 && !text.includes('HTTP/1.1'); i++) await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200/);
  });

  it('connections past web_max_connections are closed at once', async () => {
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const s = net.connect({ host: '127.0.0.1', port: capPort });
        s.on('error', () => undefined);
        sockets.push(s);
        await new Promise((r) => s.once('connect', r));
      }
      await new Promise((r) => setTimeout(r, 200));
      const res = await rawRequest(capPort, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', { timeoutMs: 3_000 });
      expect(res.status).toBe(0);
      expect(res.closed).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    const after = await rawRequest(capPort, 'GET /statics/js/dom.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', { timeoutMs: 3_000 });
    expect(after.status).toBe(200);
  });
});
