import { execFileSync } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegForTests, mediaFixture } from '@video/shared/testing';
import { processVideo, type WatermarkPosition } from '../../../src/media/pipeline/index.js';
import { live, rawFrame, run, tempDir } from './helper.js';

const GEN = 'gmiqz1abc-0123abcd';
const noProgress = () => undefined;

/** The ffmpeg processes this test process started (found by parent pid). */
function ffmpegChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === 'ffmpeg').map(([pid]) => Number(pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ffmpegForTests('media pipeline abort/watermark tests'))('processVideo: abort and watermark', () => {
  let root: string;
  let mark: string;

  beforeAll(async () => {
    root = await tempDir('media-abort-');
    mark = path.join(root, 'mark.png');
    await run('/usr/bin/ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:size=64x64', '-frames:v', '1', mark]);
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('an abort kills the running ffmpeg and rejects with an AbortError', async () => {
    const input = await mediaFixture('h264-720p', root);
    const out = await tempDir('gen-', root);
    const ac = new AbortController();
    const watermark = { file: mark, position: 'top-left' as const };
    const done = processVideo(input, out, { ladder: [360, 720], threads: 1, watermark, signal: ac.signal, gen: GEN, onProgress: noProgress });
    done.catch(() => undefined);
    let pids: number[] = [];
    for (let i = 0; i < 250 && pids.length === 0; i++) {
      await sleep(20);
      pids = ffmpegChildren();
    }
    expect(pids.length).toBeGreaterThan(0);
    ac.abort();
    const err = await done.then(() => null, (e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(pids.filter(alive)).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const input = await mediaFixture('h264-240p', root);
    const out = await tempDir('gen-', root);
    const err = await processVideo(input, out, { ladder: [360], threads: 1, signal: AbortSignal.abort(), gen: GEN, onProgress: noProgress }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(await readdir(out)).toEqual([]);
  });

  /** The rendition's first frame as RGB, and the pixel at (x, y). */
  async function frameOf(file: string, width: number) {
    const rgb = await rawFrame(file, 'rgb24');
    return (x: number, y: number) => [...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  }
  const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 80 && b! < 80;

  it.each<[WatermarkPosition, [number, number], [number, number]]>([
    ['bottom-right', [320 - 10 - 24, 240 - 10 - 24], [10 + 24, 10 + 24]],
    ['top-left', [10 + 24, 10 + 24], [320 - 10 - 24, 240 - 10 - 24]],
  ])('a %s watermark is burned in at that corner (10 px in, 15 %% of the width), not elsewhere', async (position, at, opposite) => {
    const input = await mediaFixture('h264-240p', root);
    const plainDir = await tempDir('gen-', root);
    const markedDir = await tempDir('gen-', root);
    const base = { ladder: [360], threads: 2, signal: live(), gen: GEN, onProgress: noProgress };
    await processVideo(input, plainDir, base);
    await processVideo(input, markedDir, { ...base, watermark: { file: mark, position } });
    const plain = await frameOf(path.join(plainDir, '240.mp4'), 320);
    const marked = await frameOf(path.join(markedDir, '240.mp4'), 320);
    expect(isRed(plain(...at))).toBe(false);
    expect(isRed(marked(...at))).toBe(true);
    // Just outside the mark (48 px wide, ending 10 px from the edges) the picture is the source's.
    expect(isRed(marked(...opposite))).toBe(false);
    const diff = marked(...opposite).map((c, i) => Math.abs(c - plain(...opposite)[i]!));
    expect(Math.max(...diff)).toBeLessThan(60);
  });
});
