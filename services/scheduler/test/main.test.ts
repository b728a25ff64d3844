import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { count, seedUser, seedVideos, waitFor } from './helper.js';
import { killAll, startService, type Service } from './service-process.js';

const RECORDS = 3000;

describe.each(testDialects())('the scheduler process (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let url: string;
  const running: Service[] = [];

  beforeAll(async () => {
    let test;
    ({ db, close, test } = await openTestDb(dialect));
    url = test.url;
  });
  afterAll(async () => {
    killAll(running);
    await close?.();
  });

  it('killed with SIGKILL mid-batch loses nothing; a restart finishes the work; SIGTERM releases claims and exits quickly', async () => {
    const config = testConfig();
    const videoDir = config.video_dir;
    const authorId = await seedUser(db);
    const ids = await seedVideos(db, { authorId, videoDir, count: RECORDS, prefix: 'k', comments: 1 });
    // data_dir next to the videos: the generated internal token stays out of the repository.
    const env = { DATABASE_URL: url, VIDEO_DIR: videoDir, DATA_DIR: path.join(videoDir, '..', `${path.basename(videoDir)}-data`), SCHEDULER_BATCH: '50' };

    /** Every record that is gone took its file, row and comments with it; every one left still has its row. */
    async function checkNothingHalfDone() {
      const recs = new Set((await db.kysely.selectFrom('video_del_rec').select('video_id').execute()).map((r) => r.video_id));
      const rows = new Set((await db.kysely.selectFrom('video_info').select('id').execute()).map((r) => r.id));
      const commented = new Set((await db.kysely.selectFrom('comments').select('video_id').execute()).map((r) => r.video_id));
      const files = new Set(readdirSync(videoDir));
      for (const id of ids) {
        if (recs.has(id)) expect(rows.has(id), `row of queued ${id}`).toBe(true);
        else {
          expect(files.has(id), `file of purged ${id}`).toBe(false);
          expect(rows.has(id), `row of purged ${id}`).toBe(false);
          expect(commented.has(id), `comments of purged ${id}`).toBe(false);
        }
      }
      return recs.size;
    }

    const t0 = Date.now();
    const phase = (name: string) => console.log(`[${dialect}] ${name} at ${Date.now() - t0} ms`);
    // 1. SIGKILL as soon as the first records are purged.
    const first = startService(env);
    running.push(first);
    const started = await waitFor(async () => (await count(db, 'video_del_rec')) < RECORDS, 30_000, 5);
    expect(started, first.output()).toBe(true);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const leftAfterKill = await checkNothingHalfDone();
    phase(`killed with ${leftAfterKill} records left`);
    expect(leftAfterKill, 'the kill landed mid-batch').toBeGreaterThan(0);
    const heldByDead = await db.kysely.selectFrom('video_del_rec').select('video_id').where('claimed_by', 'is not', null).execute();

    // 2. Restart, then SIGTERM while it works: it stops claiming, releases what it holds, exits 0 within a few seconds.
    const second = startService(env);
    running.push(second);
    const progressed = await waitFor(async () => (await count(db, 'video_del_rec')) < leftAfterKill || leftAfterKill === heldByDead.length, 30_000, 5);
    expect(progressed, second.output()).toBe(true);
    const termAt = Date.now();
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    expect(exit.code, second.output()).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(5_000);
    await checkNothingHalfDone();
    const heldByLiving = await db.kysely
      .selectFrom('video_del_rec')
      .select('video_id')
      .where('claimed_by', 'is not', null)
      .where('video_id', 'not in', heldByDead.length ? heldByDead.map((r) => r.video_id) : ['-'])
      .execute();
    expect(heldByLiving).toEqual([]);

    phase('stopped with SIGTERM');
    // 3. Restart: once the dead instance's lease runs out, everything is purged.
    const third = startService(env);
    running.push(third);
    const done = await waitFor(async () => (await count(db, 'video_del_rec')) === 0, 40_000, 100);
    phase('all purged');
    expect(done, third.output()).toBe(true);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
    expect(await count(db, 'video_info')).toBe(0);
    expect(await count(db, 'comments')).toBe(0);
    expect(ids.filter((id) => existsSync(path.join(videoDir, id)))).toEqual([]);
    expect(third.output()).toMatch(/"claimed":\d+,"purged":\d+,"failed":0/);
  }, 120_000);
});
