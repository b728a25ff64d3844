import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generationDir, insertDelRec, newGeneration, queueProcessing, videoMediaDir, type Db } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { createMediaJob, type MediaJobOptions } from '../../src/media/media-job.js';
import { createPurgeJob } from '../../src/purge/purge-job.js';
import { jobContext } from '../helper.js';
import { fakeProcessor, idle, seedQueued, taskRow, useMediaDb, videoRow } from './media-helper.js';

const live = () => new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(testDialects())('media job races (%s)', (dialect) => {
  const suite = useMediaDb(dialect);
  let db: Db;
  let authorId: number;
  const jobs = suite.jobs;
  beforeAll(() => {
    ({ db, authorId } = suite);
  });

  function setup(options: MediaJobOptions, ctx = jobContext(db, { transcode_ladder: [360] })) {
    const job = createMediaJob(ctx, { heartbeatMs: 100, leaseMs: 5_000, ...options });
    jobs.push(job);
    return { job, videoDir: ctx.config.video_dir, ctx };
  }

  /** Whenever media_gen names a generation, its folder is complete: checked on every poll while `job` works. */
  async function watchInstalled(id: string, videoDir: string, job: { active(): number }) {
    for (let i = 0; i < 400 && job.active() > 0; i++) {
      const gen = (await videoRow(db, id)).media_gen;
      if (gen) expect(existsSync(path.join(generationDir(videoDir, id, gen), 'master.m3u8')), `files of ${gen}`).toBe(true);
      await sleep(10);
    }
  }

  it('a re-queue during a run aborts it and discards its output; the next run installs a new generation', async () => {
    let requeue = true;
    const fake = fakeProcessor({
      ms: 3_000,
      onStart: (input) => {
        if (requeue) setTimeout(() => void queueProcessing(db.kysely, path.basename(input), Date.now()), 300);
        requeue = false;
      },
    });
    const { job, videoDir } = setup({ process: fake });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'requeue' });
    const seq = (await taskRow(db, id)).seq;
    const t0 = Date.now();
    await job.run(live());
    await idle(job);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(fake.aborted).toBe(1);
    expect(await taskRow(db, id)).toMatchObject({ state: 'queued', seq: seq + 1, claimed_by: null });
    expect((await videoRow(db, id)).media_gen).toBeNull();
    expect(existsSync(videoMediaDir(videoDir, id))).toBe(false);
    expect((await job.run(live())).counts).toMatchObject({ lost: 1, claimed: 1 });
    await idle(job);
    const gen = (await videoRow(db, id)).media_gen;
    expect(readdirSync(videoMediaDir(videoDir, id))).toEqual([gen]);
    expect(await taskRow(db, id)).toMatchObject({ state: 'done', seq: seq + 1 });
  });

  it('a re-queue after the files are written but before install: nothing is installed, the folder goes', async () => {
    const id = 'late000000';
    const fake = fakeProcessor({ ms: 100 });
    const processor: typeof fake = Object.assign(async (...args: Parameters<typeof fake>) => {
      const r = await fake(...args);
      await queueProcessing(db.kysely, id, Date.now());
      return r;
    }, { calls: fake.calls, aborted: 0 });
    const { job, videoDir } = setup({ process: processor, heartbeatMs: 60_000 });
    await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'late' });
    await job.run(live());
    await idle(job);
    expect((await videoRow(db, id)).media_gen).toBeNull();
    expect(existsSync(videoMediaDir(videoDir, id))).toBe(false);
    expect(await taskRow(db, id)).toMatchObject({ state: 'queued', claimed_by: null });
  });

  it('a video deleted during its run: the process is aborted, nothing is installed; the purge stops a run and removes its folder', async () => {
    const fake = fakeProcessor({ ms: 3_000 });
    const { job, videoDir, ctx } = setup({ process: fake });
    const [a, b] = await seedQueued(db, { authorId, videoDir, count: 2, prefix: 'del' });
    await db.kysely.updateTable('video_tasks').set({ next_attempt_at: Date.now() + 60_000 }).where('video_id', '=', b).execute();
    await job.run(live());
    await sleep(200);
    await db.kysely.updateTable('video_info').set({ deleted_at: Date.now() }).where('id', '=', a).execute();
    await idle(job, 2_000);
    expect(fake.aborted).toBe(1);
    expect((await videoRow(db, a)).media_gen).toBeNull();
    expect(existsSync(videoMediaDir(videoDir, a))).toBe(false);
    // The purge, in this process, stops a run at once (no heartbeat needed) and removes the folder.
    const slowBeat = setup({ process: fake, heartbeatMs: 60_000 }, ctx);
    await db.kysely.updateTable('video_tasks').set({ next_attempt_at: 0 }).where('video_id', '=', b).execute();
    mkdirSync(videoMediaDir(videoDir, b), { recursive: true });
    expect((await slowBeat.job.run(live())).counts).toMatchObject({ claimed: 1 });
    await sleep(200);
    await db.kysely.updateTable('video_info').set({ deleted_at: Date.now() }).where('id', '=', b).execute();
    await insertDelRec(db.kysely, b, Date.now());
    expect((await createPurgeJob(ctx).run(live())).counts).toMatchObject({ purged: 1 });
    await idle(slowBeat.job, 1_000);
    expect(fake.aborted).toBe(2);
    expect(existsSync(videoMediaDir(videoDir, b))).toBe(false);
  });

  it('close() aborts every running process and gives the tasks back, same seq, at once', async () => {
    const fake = fakeProcessor({ ms: 20_000 });
    const { job, videoDir, ctx } = setup({ process: fake, heartbeatMs: 60_000 });
    const ids = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'stop' });
    const seq = (await taskRow(db, ids[0])).seq;
    await job.run(live());
    await sleep(200);
    const t0 = Date.now();
    await job.close?.();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(fake.aborted).toBe(1);
    expect(await taskRow(db, ids[0])).toMatchObject({ state: 'queued', seq, claimed_by: null, claimed_until: 0, attempts: 0 });
    expect(existsSync(videoMediaDir(videoDir, ids[0]))).toBe(false);
    expect((await job.run(live())).counts).toMatchObject({ claimed: 0 });
    const next = setup({ process: fakeProcessor({ ms: 50 }) }, ctx);
    expect((await next.job.run(live())).counts).toMatchObject({ claimed: 1 });
    await idle(next.job);
  });

  it('install replaces the older generation atomically and removes it and stale unfinished folders, not a newer one', async () => {
    const fake = fakeProcessor({ ms: 300 });
    const { job, videoDir } = setup({ process: fake });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'gens' });
    const media = videoMediaDir(videoDir, id);
    const old = newGeneration(Date.now() - 60_000);
    const dead = `.tmp-${newGeneration(Date.now() - 30_000)}`;
    const newer = `.tmp-${newGeneration(Date.now() + 60_000)}`;
    for (const d of [old, dead, newer]) mkdirSync(path.join(media, d), { recursive: true });
    writeFileSync(path.join(media, old, 'master.m3u8'), 'old');
    await db.kysely.updateTable('video_info').set({ media_gen: old }).where('id', '=', id).execute();
    await job.run(live());
    await watchInstalled(id, videoDir, job);
    await idle(job);
    const gen = (await videoRow(db, id)).media_gen!;
    expect(gen).not.toBe(old);
    expect(readdirSync(media).sort()).toEqual([gen, newer].sort());
  });

  it('replaces the original with the remuxed file when unchanged, and leaves a changed original alone', async () => {
    let swap: string | null = null;
    const fake = fakeProcessor({
      ms: 200,
      faststart: true,
      onStart: (input) => {
        if (path.basename(input) !== swap) return;
        // A new upload lands while the old one is processed: written beside, renamed over.
        writeFileSync(`${input}.new`, 'a brand new upload');
        renameSync(`${input}.new`, input);
      },
    });
    const { job, videoDir } = setup({ process: fake });
    const [kept, changed] = await seedQueued(db, { authorId, videoDir, count: 2, prefix: 'fast' });
    swap = changed;
    expect((await job.run(live())).counts).toMatchObject({ claimed: 1 });
    await idle(job);
    expect((await job.run(live())).counts).toMatchObject({ claimed: 1 });
    await idle(job);
    expect(readFileSync(path.join(videoDir, kept), 'utf8')).toBe('remuxed-moov-first');
    expect((await videoRow(db, kept)).size).toBe(statSync(path.join(videoDir, kept)).size);
    expect(readFileSync(path.join(videoDir, changed), 'utf8')).toBe('a brand new upload');
    expect((await videoRow(db, changed)).size).toBe(4);
    expect((await taskRow(db, changed)).state).toBe('done');
    expect(readdirSync(videoDir).filter((f) => f.startsWith('.faststart-'))).toEqual([]);
    for (const id of [kept, changed]) {
      expect(readdirSync(generationDir(videoDir, id, (await videoRow(db, id)).media_gen!))).not.toContain('faststart.mp4');
    }
  });
});
