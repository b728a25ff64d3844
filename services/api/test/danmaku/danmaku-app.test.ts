import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDelRec, softDeleteVideo, type Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { buildApp as buildScheduler } from '@video/scheduler';
import { buildApp } from '../../src/app.js';
import { TestViewer, seedUser, seedVideo, type SeededUser } from '../fixtures/danmaku-fixtures.js';

describe.each(testDialects())('danmaku inside the api and beside the scheduler (%s)', (dialect) => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let owner: SeededUser;

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb(dialect));
    app = await buildApp(testConfig(), { db, logger: false });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    owner = await seedUser(db);
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
  });

  it('buildApp serves the pool, posting, the live socket and the counts', async () => {
    const video = await seedVideo(db, owner.id);
    const viewer = await TestViewer.open(base, video);
    try {
      await viewer.count(1);
      const posted = await fetch(`${base}/danmaku/v3/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': owner.session },
        body: JSON.stringify({ id: video, time: 1, text: 'in the api', color: 1, type: 0 }),
      });
      expect(posted.status).toBe(200);
      await viewer.next((m) => m.type === 'danmaku');
      expect(await (await fetch(`${base}/danmaku/v3?id=${video}`)).json()).toEqual({
        code: 0,
        data: [[1, 0, 1, owner.name, 'in the api']],
      });
      expect(await (await fetch(`${base}/videos/${video}/viewers`)).json()).toEqual({ viewers: 1 });
    } finally {
      await viewer.close();
    }
  });

  it('keeps the contract’s plain error body outside the DPlayer routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/videos/nope/viewers' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no such video', error_code: '006' });
  });

  it('the scheduler’s purge of a deleted video removes its danmaku', async () => {
    const video = await seedVideo(db, owner.id);
    const kept = await seedVideo(db, owner.id);
    for (const id of [video, video, kept]) {
      const res = await app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: { 'x-session-id': owner.session },
        payload: { id, time: 2, text: 'bye', color: 0, type: 0 },
      });
      expect(res.statusCode).toBe(200);
    }
    await softDeleteVideo(db.kysely, video, owner.id, Date.now());
    await insertDelRec(db.kysely, video, Date.now());
    const count = async (id: string) =>
      (await db.kysely.selectFrom('danmaku').select('id').where('video_id', '=', id).execute()).length;
    expect(await count(video)).toBe(2);

    // The scheduler runs its jobs once at start; wait (bounded) for the purge to land.
    const scheduler = await buildScheduler(testConfig({ scheduler_interval_seconds: 1 }), { db, logger: false });
    try {
      await scheduler.ready();
      const deadline = Date.now() + 10_000;
      while ((await count(video)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await count(video)).toBe(0);
      expect(await count(kept)).toBe(1);
    } finally {
      await scheduler.close();
    }
  });
});
