import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationDir, videoMediaDir, type Db } from '@video/shared';
import { ffmpegForTests, mediaFixture, openTestDb, testDialects } from '@video/shared/testing';
import { createMediaJob } from '../../src/media/media-job.js';
import { jobContext, seedUser, waitFor } from '../helper.js';
import { killAll, startService, type Service } from '../service-process.js';
import { idle, seedQueued, taskRow, videoRow } from './media-helper.js';

const live = () => new AbortController().signal;
const hasFfmpeg = ffmpegForTests('media tasks with real ffmpeg');

/** The box order of an MP4's top level (its first few boxes). */
function topBoxes(file: string): string[] {
  const buf = readFileSync(file);
  const out: string[] = [];
  for (let off = 0; off + 8 <= buf.length && out.length < 16; ) {
    const size = buf.readUInt32BE(off);
    out.push(buf.toString('latin1', off + 4, off + 8));
    if (size < 8) break;
    off += size;
  }
  return out;
}

/** ffmpeg processes still working on files under `dir` (a killed scheduler's orphans), by pid. */
function ffmpegUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmd = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmd.includes('ffmpeg') && cmd.includes(dir)) pids.push(Number(pid));
  }
  return pids;
}

describe.runIf(hasFfmpeg).each(testDialects())('media tasks with real ffmpeg (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let url: string;
  let authorId: number;
  let fixtures: string;
  const running: Service[] = [];

  beforeAll(async () => {
    let test;
    ({ db, close, test } = await openTestDb(dialect));
    url = test.url;
    authorId = await seedUser(db);
    fixtures = await mkdtemp(path.join(os.tmpdir(), 'media-fixtures-'));
  });
  afterAll(async () => {
    killAll(running);
    await close?.();
  });

  it('processes an MP4 with moov at the end: a generation is installed and the original gets moov first; an unreadable file fails at once', async () => {
    const ctx = jobContext(db, { transcode_ladder: [360, 720], transcode_threads: 1, transcode_concurrency: 2 });
    const videoDir = ctx.config.video_dir;
    const [good, bad] = await seedQueued(db, { authorId, videoDir, count: 2, prefix: 'ff' });
    copyFileSync(await mediaFixture('moov-at-end', fixtures), path.join(videoDir, good));
    copyFileSync(await mediaFixture('garbage', fixtures), path.join(videoDir, bad));
    expect(topBoxes(path.join(videoDir, good)).indexOf('moov')).toBeGreaterThan(topBoxes(path.join(videoDir, good)).indexOf('mdat'));
    const job = createMediaJob(ctx);
    expect((await job.run(live())).counts).toMatchObject({ claimed: 2 });
    await idle(job, 60_000);
    expect(await taskRow(db, bad)).toMatchObject({ state: 'failed', attempts: 1 });
    expect((await taskRow(db, bad)).last_error).toBeTruthy();
    expect(existsSync(videoMediaDir(videoDir, bad))).toBe(false);
    expect(await taskRow(db, good)).toMatchObject({ state: 'done', progress: 100 });
    const video = await videoRow(db, good);
    expect(video).toMatchObject({ width: 320, height: 240 });
    expect(video.duration).toBeCloseTo(2, 0);
    const files = readdirSync(generationDir(videoDir, good, video.media_gen!));
    expect(files).toEqual(expect.arrayContaining(['poster.jpg', 'thumb.jpg', 'storyboard.jpg', 'master.m3u8', '240.m3u8', '240.mp4', 'info.json']));
    expect(files).not.toContain('faststart.mp4');
    const boxes = topBoxes(path.join(videoDir, good));
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(video.size).toBe(statSync(path.join(videoDir, good)).size);
    expect(readdirSync(videoDir).filter((f) => f.startsWith('.faststart-'))).toEqual([]);
  }, 90_000);

  it('a scheduler killed with SIGKILL mid-transcode serves nothing half-written; started again, it finishes the task', async () => {
    const videoDir = await mkdtemp(path.join(os.tmpdir(), 'video-files-'));
    const [id] = await seedQueued(db, { authorId, videoDir, count: 1, prefix: 'kill' });
    // 20 s of 720p: long enough to be caught mid-run on any machine.
    const made = spawnSync('/usr/bin/ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25:duration=20', '-f', 'lavfi', '-i', 'sine=duration=20',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'mp4', path.join(videoDir, id)]);
    expect(made.status, String(made.stderr)).toBe(0);
    const env = { DATABASE_URL: url, VIDEO_DIR: videoDir, DATA_DIR: `${videoDir}-data`, TRANSCODE_THREADS: '1', TRANSCODE_LADDER: '[360,720]' };
    const first = startService(env);
    running.push(first);
    const mid = async () => {
      const t = await taskRow(db, id);
      return t.state === 'running' && Number(t.progress) >= 5;
    };
    expect(await waitFor(mid, 60_000, 100), first.output()).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    // The orphaned ffmpeg of the dead scheduler is stopped too (a real host's service manager would).
    for (const pid of ffmpegUnder(videoDir)) process.kill(pid, 'SIGKILL');
    expect((await videoRow(db, id)).media_gen).toBeNull();
    expect(readdirSync(videoMediaDir(videoDir, id)).filter((n) => n.startsWith('.tmp-'))).toHaveLength(1);
    expect(readdirSync(videoMediaDir(videoDir, id)).filter((n) => !n.startsWith('.tmp-'))).toEqual([]);

    const second = startService(env);
    running.push(second);
    // The dead run's lease (10 s at a 1 s interval) runs out, then the task is redone from the start.
    expect(await waitFor(async () => (await taskRow(db, id)).state === 'done', 150_000, 250), second.output()).toBe(true);
    const gen = (await videoRow(db, id)).media_gen!;
    expect(readdirSync(generationDir(videoDir, id, gen))).toEqual(expect.arrayContaining(['master.m3u8', '360.mp4', '720.mp4', 'poster.jpg']));
    // The dead run's leftovers go right after the install.
    expect(await waitFor(() => readdirSync(videoMediaDir(videoDir, id)).join() === gen, 2_000)).toBe(true);
    const boxes = topBoxes(path.join(videoDir, id));
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 240_000);
});
