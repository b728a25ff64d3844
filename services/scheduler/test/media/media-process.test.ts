import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationDir, videoMediaDir, type Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { seedUser, waitFor } from '../helper.js';
import { killAll, startService, type Service } from '../service-process.js';
import { seedQueued, taskRow, videoRow } from './media-helper.js';

const SLOW = 'services/scheduler/test/media/slow-scheduler.ts';

describe.each(testDialects())('media tasks in the scheduler process (%s)', (dialect) => {
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

  it('SIGKILL mid-task shows nothing half-written; SIGTERM gives the task back; a later run finishes it', async () => {
    const videoDir = testConfig().video_dir;
    const authorId = await seedUser(db);
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'proc' });
    const env = { DATABASE_URL: url, VIDEO_DIR: videoDir, DATA_DIR: `${videoDir}-data`, MEDIA_FAKE_MS: '4000' };
    const tmpDirs = () => (existsSync(videoMediaDir(videoDir, id)) ? readdirSync(videoMediaDir(videoDir, id)).filter((n) => n.startsWith('.tmp-')) : []);
    const progressed = async () => (await taskRow(db, id)).state === 'running' && Number((await taskRow(db, id)).progress) > 0;

    // 1. Killed mid-task: the row still names no generation, the unfinished folder stays behind.
    const first = startService(env, SLOW);
    running.push(first);
    expect(await waitFor(progressed, 20_000, 50), first.output()).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await videoRow(db, id)).media_gen).toBeNull();
    const dead = tmpDirs();
    expect(dead).toHaveLength(1);
    expect(await taskRow(db, id)).toMatchObject({ state: 'running' });

    // 2. Restarted: the dead run's lease runs out (10 s at a 1 s interval), the task is taken over;
    //    SIGTERM mid-run aborts it and gives it back at once.
    const second = startService(env, SLOW);
    running.push(second);
    const takenOver = async () => (await taskRow(db, id)).claimed_until > 0 && tmpDirs().length === 2;
    expect(await waitFor(takenOver, 25_000, 50), second.output()).toBe(true);
    const termAt = Date.now();
    second.child.kill('SIGTERM');
    expect((await second.exited).code, second.output()).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(5_000);
    expect(await taskRow(db, id)).toMatchObject({ state: 'queued', claimed_by: null, claimed_until: 0 });
    expect(second.output()).toMatch(/media tasks given back on stop/);

    // 3. A third start takes it at once and finishes; the dead run's leftovers go with the install.
    const third = startService(env, SLOW);
    running.push(third);
    expect(await waitFor(async () => (await taskRow(db, id)).state === 'done', 20_000, 100), third.output()).toBe(true);
    const gen = (await videoRow(db, id)).media_gen!;
    expect(existsSync(path.join(generationDir(videoDir, id, gen), 'master.m3u8'))).toBe(true);
    expect(await waitFor(() => readdirSync(videoMediaDir(videoDir, id)).join() === gen, 2_000)).toBe(true);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  }, 90_000);
});
