import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queueProcessing, type Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { claimTasks, failTask, heartbeat, installGeneration, releaseTasks } from '../../src/media/media-task-repository.js';
import { seedUser } from '../helper.js';
import { seedQueued, taskRow, videoRow } from './media-helper.js';

describe.each(testDialects())('media task repository (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let authorId: number;
  const videoDir = testConfig().video_dir;
  let until = Date.now() + 60_000;
  const claim = (owner: string, limit: number, now = Date.now()) => claimTasks(db.kysely, dialect, { owner, now, until: ++until, limit });

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    authorId = await seedUser(db);
  });
  afterAll(async () => close?.());
  beforeEach(async () => {
    await db.kysely.deleteFrom('video_tasks').execute();
  });

  it('two owners claiming at once never get the same task, and together get them all', async () => {
    const ids = await seedQueued(db, { authorId, videoDir, count: 40, prefix: 'two' });
    const got: string[][] = [[], []];
    for (let round = 0; round < 20; round++) {
      const [a, b] = await Promise.all([claim('owner-a', 3), claim('owner-b', 3)]);
      got[0].push(...a.map((t) => t.video_id));
      got[1].push(...b.map((t) => t.video_id));
      if (a.length === 0 && b.length === 0) break;
    }
    expect(got[0].filter((id) => got[1].includes(id))).toEqual([]);
    expect([...got[0], ...got[1]].sort()).toEqual(ids);
    for (const id of got[0]) expect(await taskRow(db, id)).toMatchObject({ state: 'running', claimed_by: 'owner-a' });
    expect(await claim('owner-c', 10)).toEqual([]);
  });

  it('takes over a running task whose lease ran out (a dead run), not one under a live lease; skips deleted videos and back-offs', async () => {
    const [dead, alive, deleted, later] = await seedQueued(db, { authorId, videoDir, count: 4, prefix: 'lease' });
    const now = Date.now();
    await db.kysely.updateTable('video_tasks').set({ state: 'running', claimed_by: 'dead', claimed_until: now - 1, progress: 40 }).where('video_id', '=', dead).execute();
    await db.kysely.updateTable('video_tasks').set({ state: 'running', claimed_by: 'alive', claimed_until: now + 60_000 }).where('video_id', '=', alive).execute();
    await db.kysely.updateTable('video_info').set({ deleted_at: now }).where('id', '=', deleted).execute();
    await db.kysely.updateTable('video_tasks').set({ next_attempt_at: now + 60_000 }).where('video_id', '=', later).execute();
    const got = await claim('me', 10, now);
    expect(got.map((t) => t.video_id)).toEqual([dead]);
    expect(await taskRow(db, dead)).toMatchObject({ state: 'running', claimed_by: 'me', progress: 0 });
    expect(await taskRow(db, alive)).toMatchObject({ claimed_by: 'alive' });
  });

  it('a heartbeat raises progress and extends the lease only while the claim and seq hold and the video is live', async () => {
    const [a, b, c] = await seedQueued(db, { authorId, videoDir, count: 3, prefix: 'beat' });
    const claimed = await claim('me', 3);
    const held = (id: string) => ({ videoId: id, seq: claimed.find((t) => t.video_id === id)!.seq, owner: 'me' });
    const now = Date.now();
    expect(await heartbeat(db.kysely, held(a), { progress: 37.8, now, until: now + 99_000 })).toBe(true);
    expect(await taskRow(db, a)).toMatchObject({ progress: 37, claimed_until: now + 99_000 });
    expect(await heartbeat(db.kysely, { ...held(a), owner: 'other' }, { progress: 50, now, until: now })).toBe(false);
    // A re-upload re-queues (seq + 1): the old run's heartbeat is refused and changes nothing.
    await queueProcessing(db.kysely, b, now);
    expect(await heartbeat(db.kysely, held(b), { progress: 50, now, until: now + 1 })).toBe(false);
    expect(await taskRow(db, b)).toMatchObject({ state: 'queued', progress: 0, claimed_by: null });
    await db.kysely.updateTable('video_info').set({ deleted_at: now }).where('id', '=', c).execute();
    expect(await heartbeat(db.kysely, held(c), { progress: 50, now, until: now + 1 })).toBe(false);
    expect(await taskRow(db, c)).toMatchObject({ progress: 0 });
  });

  it('install sets the generation, poster and probe values and finishes the task, all or nothing', async () => {
    const [ok, requeued, deleted] = await seedQueued(db, { authorId, videoDir, count: 3, prefix: 'inst' });
    const claimed = await claim('me', 3);
    const held = (id: string) => ({ videoId: id, seq: claimed.find((t) => t.video_id === id)!.seq, owner: 'me' });
    const values = { gen: 'gabcdefgh-0123abcd', duration: 12.5, width: 640, height: 360, size: 99, now: Date.now() };
    expect(await installGeneration(db.kysely, held(ok), values)).toBe(true);
    expect(await videoRow(db, ok)).toMatchObject({ media_gen: values.gen, poster: `/videos/${ok}/poster.jpg?g=${values.gen}`, duration: 12.5, width: 640, height: 360, size: 99 });
    expect(await taskRow(db, ok)).toMatchObject({ state: 'done', progress: 100, claimed_by: null, claimed_until: 0 });
    await queueProcessing(db.kysely, requeued, Date.now());
    expect(await installGeneration(db.kysely, held(requeued), values)).toBe(false);
    expect(await videoRow(db, requeued)).toMatchObject({ media_gen: null, poster: null, size: 4 });
    await db.kysely.updateTable('video_info').set({ deleted_at: Date.now() }).where('id', '=', deleted).execute();
    expect(await installGeneration(db.kysely, held(deleted), values)).toBe(false);
    expect(await videoRow(db, deleted)).toMatchObject({ media_gen: null });
    expect(await taskRow(db, deleted)).toMatchObject({ state: 'running' });
  });

  it('fail counts the attempt and queues a retry or fails for good; release gives running tasks back with the same seq', async () => {
    const [a, b, c] = await seedQueued(db, { authorId, videoDir, count: 3, prefix: 'fail' });
    const claimed = await claim('me', 3);
    const held = (id: string) => ({ videoId: id, seq: claimed.find((t) => t.video_id === id)!.seq, owner: 'me' });
    const now = Date.now();
    expect(await failTask(db.kysely, held(a), { error: 'x'.repeat(900), retryAt: now + 30_000, now })).toBe(true);
    const ra = await taskRow(db, a);
    expect(ra).toMatchObject({ state: 'queued', attempts: 1, next_attempt_at: now + 30_000, claimed_by: null });
    expect(ra.last_error).toHaveLength(500);
    expect(await failTask(db.kysely, held(b), { error: 'Invalid data found when processing input', retryAt: null, now })).toBe(true);
    expect(await taskRow(db, b)).toMatchObject({ state: 'failed', attempts: 1, last_error: 'Invalid data found when processing input' });
    const seq = (await taskRow(db, c)).seq;
    expect(await heartbeat(db.kysely, held(c), { progress: 42, now, until: now + 60_000 })).toBe(true);
    expect(await releaseTasks(db.kysely, 'me')).toBe(1);
    expect(await taskRow(db, c)).toMatchObject({ state: 'queued', seq, progress: 0, claimed_by: null, claimed_until: 0, attempts: 0 });
    expect((await claim('next', 5)).map((t) => t.video_id)).toEqual([c]);
  });
});
