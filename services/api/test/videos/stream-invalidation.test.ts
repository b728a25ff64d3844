import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { createStreamInvalidator } from '../../src/videos/stream-invalidation.js';
import { buildTestApp, createVideo, signUp, type TestApp } from '../helper.js';

const TOKEN = 'internal-test-token-abc';

describe.each(testDialects())('DELETE /user/:u/videos/:id tells the stream server first (%s)', (dialect) => {
  // A stand-in stream server over a real socket that records what it was told, and when.
  const seen: { url: string; token: unknown; answeredYet: boolean }[] = [];
  let deleteAnswered = false;
  let stream: http.Server;
  let t: TestApp;
  let down: TestApp;

  beforeAll(async () => {
    stream = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-internal-token'], answeredYet: deleteAnswered });
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => stream.listen(0, '127.0.0.1', r));
    const port = (stream.address() as AddressInfo).port;
    t = await buildTestApp(dialect, { stream_url: `http://127.0.0.1:${port}`, internal_token: TOKEN });
    // Nothing listens on port 9 (discard) on loopback here: an unreachable stream server.
    down = await buildTestApp(dialect, { stream_url: 'http://127.0.0.1:9', internal_token: TOKEN });
  });
  afterAll(async () => {
    await t?.close();
    await down?.close();
    await new Promise((r) => stream?.close(r));
  });

  it('sends "video <id> changed" with the internal token before answering 204', async () => {
    const alice = await signUp(t.app);
    const v = await createVideo(t.app, alice);
    seen.length = 0;
    deleteAnswered = false;
    const res = await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } });
    deleteAnswered = true;
    expect(res.statusCode).toBe(204);
    expect(seen).toEqual([{ url: `/internal/videos/${v.id}/changed`, token: TOKEN, answeredYet: false }]);
  });

  it('a refused delete (not the owner) sends nothing', async () => {
    const alice = await signUp(t.app);
    const bob = await signUp(t.app);
    const v = await createVideo(t.app, alice);
    seen.length = 0;
    const res = await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': bob.sid } });
    expect(res.statusCode).toBe(403);
    expect(seen).toEqual([]);
  });

  it('an unreachable stream server does not fail the delete', async () => {
    const alice = await signUp(down.app);
    const v = await createVideo(down.app, alice);
    const res = await down.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } });
    expect(res.statusCode).toBe(204);
    const again = await down.app.inject({ method: 'GET', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } });
    expect(again.statusCode).toBe(404);
  });
});

describe('createStreamInvalidator with redis_url', () => {
  it('falls back to the internal route, and logs it, when Redis is unreachable', async () => {
    const seen: string[] = [];
    const stream = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => stream.listen(0, '127.0.0.1', r));
    const port = (stream.address() as AddressInfo).port;
    const warnings: unknown[] = [];
    const log = { warn: (...a: unknown[]) => warnings.push(a) } as never;
    // Port 9 (discard): nothing listens there on loopback.
    const videoChanged = createStreamInvalidator({ redis_url: 'redis://127.0.0.1:9', stream_url: `http://127.0.0.1:${port}`, internal_token: TOKEN }, log);
    try {
      await videoChanged('abc');
    } finally {
      await videoChanged.close();
      await new Promise((r) => stream.close(r));
    }
    expect(seen).toEqual(['/internal/videos/abc/changed']);
    expect(warnings).toHaveLength(1);
  }, 10_000);
});
