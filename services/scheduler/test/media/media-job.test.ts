import { existsSync, readdirSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generationDir, GENERATION_RE, MEDIA_FILES, videoMediaDir, type Db } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import type { JobDefinition } from '../../src/jobs/job.js';
import { createMediaJob, type MediaJobOptions } from '../../src/media/media-job.js';
import { buildTestApp, jobContext, waitFor } from '../helper.js';
import { fakeProcessor, idle, MediaError, seedQueued, taskRow, useMediaDb, videoRow } from './media-helper.js';

const live = () => new AbortController().signal;

describe.each(testDialects())('media job (%s)', (dialect) => {
  const suite = useMediaDb(dialect);
  let db: Db;
  let authorId: number;
  const jobs = suite.jobs;
  beforeAll(() => {
    ({ db, authorId } = suite);
  });

  function makeJob(concurrency: number, options: MediaJobOptions) {
    const ctx = jobContext(db, { transcode_concurrency: concurrency, transcode_ladder: [360, 720] });
    const job = createMediaJob(ctx, { heartbeatMs: 100, leaseMs: 5_000, ...options });
    jobs.push(job);
    return { job, videoDir: ctx.config.video_dir };
  }

  it('runs a task in the background: progress rises while it runs, then the generation is installed and done', async () => {
    const fake = fakeProcessor({ ms: 1_200 });
    const { job, videoDir } = makeJob(1, { process: fake });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'ok' });
    const t0 = Date.now();
    expect((await job.run(live())).counts).toMatchObject({ claimed: 1, running: 1, done: 0 });
    // The run returned long before the work is done.
    expect(Date.now() - t0).toBeLessThan(500);
    const seen: number[] = [];
    await waitFor(async () => {
      const row = await taskRow(db, id);
      if (row.state === 'running') seen.push(Number(row.progress));
      return row.state !== 'running';
    }, 5_000, 100);
    expect(seen.length).toBeGreaterThan(3);
    expect(new Set(seen).size).toBeGreaterThan(2);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(await taskRow(db, id)).toMatchObject({ state: 'done', progress: 100, claimed_by: null, attempts: 0 });
    const video = await videoRow(db, id);
    expect(video.media_gen).toMatch(GENERATION_RE);
    expect(video).toMatchObject({ poster: `/videos/${id}/poster.jpg?g=${video.media_gen}`, duration: 12.5, width: 1280, height: 720 });
    const files = readdirSync(generationDir(videoDir, id, video.media_gen!));
    expect(files).toEqual(expect.arrayContaining([MEDIA_FILES.poster, MEDIA_FILES.master, '360.m3u8', '720.mp4', 'info.json']));
    expect(readdirSync(videoMediaDir(videoDir, id))).toEqual([video.media_gen]);
    await idle(job);
    expect((await job.run(live())).counts).toMatchObject({ claimed: 0, running: 0, done: 1, failed: 0 });
    expect((await job.run(live())).counts).toMatchObject({ done: 0 });
  });

  it('publishes the poster and thumb as their own generation at once, then the final set replaces it', async () => {
    const { job, videoDir } = makeJob(1, { process: fakeProcessor({ ms: 1_500, preview: true }) });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'early' });
    await job.run(live());
    expect(await waitFor(async () => (await videoRow(db, id)).media_gen !== null, 3_000, 25)).toBe(true);
    const early = await videoRow(db, id);
    expect((await taskRow(db, id)).state).toBe('running');
    expect(early).toMatchObject({ poster: `/videos/${id}/poster.jpg?g=${early.media_gen}`, duration: 12.5, width: 1280, height: 720 });
    expect(readdirSync(generationDir(videoDir, id, early.media_gen!)).sort()).toEqual([MEDIA_FILES.poster, MEDIA_FILES.thumb]);
    await idle(job);
    const final = await videoRow(db, id);
    expect(final.media_gen).not.toBe(early.media_gen);
    expect(readdirSync(videoMediaDir(videoDir, id))).toEqual([final.media_gen]);
  });

  it('a video that already has a generation keeps serving it until the new set is complete (no early poster)', async () => {
    const { job, videoDir } = makeJob(1, { process: fakeProcessor({ ms: 200, preview: true }) });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'again' });
    await job.run(live());
    await idle(job);
    const first = (await videoRow(db, id)).media_gen!;
    await db.kysely.updateTable('video_tasks').set({ state: 'queued', seq: 2 }).where('video_id', '=', id).execute();
    const seen = new Set<string | null>();
    await job.run(live());
    await waitFor(async () => {
      seen.add((await videoRow(db, id)).media_gen);
      return (await taskRow(db, id)).state === 'done';
    }, 5_000, 20);
    await idle(job);
    const second = (await videoRow(db, id)).media_gen!;
    expect(second).not.toBe(first);
    // Only ever the old complete set or the new one.
    expect([...seen].every((g) => g === first || g === second)).toBe(true);
    expect(readdirSync(videoMediaDir(videoDir, id))).toEqual([second]);
  });

  it('runs at most transcode_concurrency tasks at once and fills a freed slot on the next run', async () => {
    const fake = fakeProcessor({ ms: 400 });
    const { job, videoDir } = makeJob(2, { process: fake });
    const ids = await seedQueued(db, { authorId, videoDir, count: 3, prefix: 'conc' });
    expect((await job.run(live())).counts).toMatchObject({ claimed: 2, running: 2 });
    expect((await job.run(live())).counts).toMatchObject({ claimed: 0, running: 2 });
    await idle(job);
    expect((await job.run(live())).counts).toMatchObject({ claimed: 1, running: 1, done: 2 });
    await idle(job);
    for (const id of ids) expect((await taskRow(db, id)).state).toBe('done');
  });

  it('retries a failing task with growing delays, then fails it with the last line of the error', async () => {
    const fake = fakeProcessor({ ms: 50, fail: () => new Error('ffmpeg exited with code 1\n[h264] error while decoding\nConversion failed!') });
    const { job, videoDir } = makeJob(1, { process: fake, retryBaseMs: 200 });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'retry' });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const due = await waitFor(async () => (await job.run(live())).counts.claimed === 1, 10_000, 25);
      expect(due, `attempt ${attempt} claimed`).toBe(true);
      await idle(job);
      const row = await taskRow(db, id);
      expect(row.attempts).toBe(attempt);
      if (attempt < 4) {
        expect(row).toMatchObject({ state: 'queued', last_error: 'Conversion failed!', claimed_by: null });
        delays.push(Number(row.next_attempt_at) - Number(row.updated_at));
      } else {
        expect(row).toMatchObject({ state: 'failed', last_error: 'Conversion failed!' });
      }
    }
    expect(delays).toEqual([200, 800, 3_200]);
    expect(fake.calls).toHaveLength(4);
    expect(existsSync(videoMediaDir(videoDir, id))).toBe(false);
    expect((await videoRow(db, id)).media_gen).toBeNull();
    expect((await job.run(live())).counts).toMatchObject({ claimed: 0 });
  }, 20_000);

  it('fails a MediaError at once, without retries', async () => {
    const fake = fakeProcessor({ ms: 50, fail: () => new MediaError('moov atom not found') });
    const { job, videoDir } = makeJob(1, { process: fake, retryBaseMs: 10 });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'perm' });
    await job.run(live());
    await idle(job);
    expect(await taskRow(db, id)).toMatchObject({ state: 'failed', attempts: 1, last_error: 'moov atom not found' });
    expect((await job.run(live())).counts).toMatchObject({ claimed: 0, failed: 1, retried: 0 });
  });

  it('fails at once when the original file is missing', async () => {
    const fake = fakeProcessor({ ms: 50 });
    const { job, videoDir } = makeJob(1, { process: fake });
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'nofile' });
    rmSync(`${videoDir}/${id}`);
    await job.run(live());
    await idle(job);
    expect(await taskRow(db, id)).toMatchObject({ state: 'failed', last_error: 'the original file is missing' });
    expect(fake.calls).toEqual([]);
  });

  it('reports running and ended tasks on /healthz under jobs.media', async () => {
    const fake = fakeProcessor({ ms: 1_500 });
    let created: ReturnType<typeof createMediaJob> | undefined;
    const def: JobDefinition = { name: 'media', create: (ctx) => (created = createMediaJob(ctx, { process: fake, heartbeatMs: 100 })) };
    const { app, config: appConfig } = await buildTestApp(db, { scheduler_interval_seconds: 1 }, { jobs: [def], startJobs: true });
    try {
      const [id] = await seedQueued(db, { authorId, videoDir: appConfig.video_dir, count: 1, prefix: 'health' });
      const health = async () => (await app.inject({ method: 'GET', url: '/healthz' })).json().jobs.media;
      expect(await waitFor(async () => (await health()).last_counts?.running === 1, 5_000, 50)).toBe(true);
      expect(await waitFor(async () => (await health()).last_counts?.done === 1, 8_000, 50)).toBe(true);
      expect((await taskRow(db, id)).state).toBe('done');
      expect(created?.active()).toBe(0);
    } finally {
      await app.close();
    }
    expect(await db.kysely.selectFrom('video_tasks').select('video_id').where('claimed_by', 'is not', null).execute()).toEqual([]);
  });
});
