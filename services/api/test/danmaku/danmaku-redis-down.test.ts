import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { TestViewer, buildDanmakuApp, seedUser, seedVideo, type SeededUser } from '../fixtures/danmaku-fixtures.js';

// Port 1 on loopback: nothing listens, so every Redis connection is refused at once.
describe('danmaku with its Redis unreachable', () => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let user: SeededUser;
  let video: string;

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb('sqlite'));
    app = await buildDanmakuApp(testConfig({ redis_url: 'redis://127.0.0.1:1' }), db, { rateLimit: { max: 2, windowMs: 10_000 } });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    user = await seedUser(db);
    video = await seedVideo(db, user.id);
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
  });

  it('still stores and answers posts, limited per instance', async () => {
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: { 'x-session-id': user.session },
        payload: { id: video, time: 1, text: 'still here', color: 0, type: 0 },
      });
    const started = Date.now();
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(429);
    expect(Date.now() - started).toBeLessThan(10_000);
    const pool = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${video}` });
    expect(pool.json().data).toHaveLength(2);
  });

  it('answers counts with 503 011, not a 500 or a hang', async () => {
    const res = await app.inject({ method: 'GET', url: `/videos/${video}/viewers` });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error_code: '011' });
  });

  it('still opens the socket (the room is degraded, not the page)', async () => {
    const viewer = await TestViewer.open(base, video);
    try {
      expect(viewer.closed).toBe(false);
      viewer.send({ type: 'ping' });
      await viewer.next((m) => m.type === 'pong');
    } finally {
      await viewer.close();
    }
  });
});
