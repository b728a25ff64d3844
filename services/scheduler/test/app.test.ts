import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAnyVideo, findDelRec, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { buildTestApp, count, seedUser, seedVideos, TEST_TOKEN, waitFor } from './helper.js';

describe.each(testDialects())('scheduler app with its runner (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
  });
  afterAll(async () => close?.());

  it('a video deleted through the route is gone, file and rows, within two intervals; /healthz reports the run', async () => {
    const { app, config } = await buildTestApp(db, { scheduler_interval_seconds: 1 }, { startJobs: true });
    try {
      const authorId = await seedUser(db);
      const [id] = await seedVideos(db, { authorId, videoDir: config.video_dir, count: 1, prefix: 'e2e', deleted: false, comments: 3 });
      const res = await app.inject({ method: 'POST', url: `/video-delete-record/${id}`, headers: { 'x-internal-token': TEST_TOKEN } });
      expect(res.json()).toEqual({ success: true });
      const queuedAt = Date.now();
      const gone = await waitFor(async () => (await findDelRec(db.kysely, id)) === undefined, 2_500, 25);
      expect(gone).toBe(true);
      expect(Date.now() - queuedAt).toBeLessThanOrEqual(2_500);
      expect(existsSync(path.join(config.video_dir, id))).toBe(false);
      expect(await findAnyVideo(db.kysely, id)).toBeUndefined();
      expect(await count(db, 'comments')).toBe(0);

      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      const body = health.json();
      expect(body.status).toBe('ok');
      expect(new Date(body.last_run).toISOString()).toBe(body.last_run);
      expect(body.jobs.purge.runs).toBeGreaterThanOrEqual(1);
      expect(body.jobs['session-sweep']).toBeDefined();

      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/scheduler_records_total\{job="purge",outcome="purged"\} [1-9]/);
    } finally {
      await app.close();
    }
    // Closed: nothing is left claimed.
    expect(await db.kysely.selectFrom('video_del_rec').select('video_id').where('claimed_by', 'is not', null).execute()).toEqual([]);
  });
});
