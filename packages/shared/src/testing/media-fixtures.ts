import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Tiny media files made with Debian's ffmpeg at test time (2–4 s of lavfi test patterns at low
 * frame rates), so no binary fixture is checked in and each file is what its name says.
 */
const FFMPEG = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH ?? '/usr/bin/ffprobe';

export type MediaFixtureKind =
  | 'moov-at-end' // H.264/AAC MP4, 320x240, moov after mdat
  | 'h264-720p' // H.264/AAC MP4, 1280x720, faststart
  | 'h264-240p' // H.264/AAC MP4, 320x240, faststart
  | 'mpeg4-avi' // MPEG-4 Part 2 + MP2 in AVI
  | 'hevc-mkv' // HEVC (libx265) + AAC in Matroska
  | 'black-start' // one black second, then a test pattern (MP4)
  | 'portrait' // 360x640 H.264/AAC MP4
  | 'no-audio' // H.264 MP4 without an audio track
  | 'long-gop' // 13 s of 160x120 H.264 with a single keyframe (segments need new ones)
  | 'garbage'; // random bytes

const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
const aac = ['-c:a', 'aac', '-b:a', '64k'];

function pattern(size: string, seconds: number, rate = 10): string[] {
  return ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`];
}
function tone(seconds: number): string[] {
  return ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`];
}

/** ffmpeg arguments (inputs and codecs, not the output path) and the file extension of each kind. */
const RECIPES: Record<Exclude<MediaFixtureKind, 'garbage'>, { ext: string; args: string[] }> = {
  'moov-at-end': { ext: 'mp4', args: [...pattern('320x240', 2), ...tone(2), ...x264, ...aac] },
  'h264-720p': { ext: 'mp4', args: [...pattern('1280x720', 3), ...tone(3), ...x264, ...aac, '-movflags', '+faststart'] },
  'h264-240p': { ext: 'mp4', args: [...pattern('320x240', 3), ...tone(3), ...x264, ...aac, '-movflags', '+faststart'] },
  'mpeg4-avi': { ext: 'avi', args: [...pattern('320x240', 2), ...tone(2), '-c:v', 'mpeg4', '-c:a', 'mp2'] },
  'hevc-mkv': {
    ext: 'mkv',
    args: [...pattern('320x240', 2), ...tone(2), '-c:v', 'libx265', '-preset', 'veryfast', '-x265-params', 'log-level=error', ...aac],
  },
  'black-start': {
    ext: 'mp4',
    args: [
      ...['-f', 'lavfi', '-i', 'color=c=black:size=320x240:rate=10:duration=1'],
      ...pattern('320x240', 2),
      ...['-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0[v]', '-map', '[v]'],
      ...x264,
      ...['-movflags', '+faststart'],
    ],
  },
  portrait: { ext: 'mp4', args: [...pattern('360x640', 2), ...tone(2), ...x264, ...aac, '-movflags', '+faststart'] },
  'long-gop': {
    ext: 'mp4',
    args: [...pattern('160x120', 13, 5), ...tone(13), ...x264, '-g', '1000', '-x264-params', 'scenecut=0', ...aac, '-movflags', '+faststart'],
  },
  'no-audio': { ext: 'mp4', args: [...pattern('320x240', 2), ...x264, '-an', '-movflags', '+faststart'] },
};

let available: boolean | undefined;

/** Whether ffmpeg and ffprobe run here (checked once per process). */
export function ffmpegAvailable(): boolean {
  available ??= [FFMPEG, FFPROBE].every((bin) => spawnSync(bin, ['-version'], { stdio: 'ignore' }).status === 0);
  return available;
}

/**
 * Whether the ffmpeg tests of `what` can run. Without ffmpeg they are skipped with a printed
 * reason, or the file fails when REQUIRE_FFMPEG=1 (CI).
 */
export function ffmpegForTests(what: string): boolean {
  if (ffmpegAvailable()) return true;
  if (process.env.REQUIRE_FFMPEG === '1') throw new Error(`REQUIRE_FFMPEG=1 but ${FFMPEG} / ${FFPROBE} cannot be run`);
  console.warn(`${what} SKIPPED: ${FFMPEG} / ${FFPROBE} not found (apt-get install ffmpeg, or set REQUIRE_FFMPEG=1 to make this fail).`);
  return false;
}

function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg fixture failed (${code}): ${stderr.trim()}`))));
  });
}

async function makeFixture(kind: MediaFixtureKind, dir: string): Promise<string> {
  if (kind === 'garbage') {
    const file = path.join(dir, 'garbage.mp4');
    await writeFile(file, randomBytes(4096));
    return file;
  }
  const { ext, args } = RECIPES[kind];
  const file = path.join(dir, `${kind}.${ext}`);
  await runFfmpeg([...args, file]);
  return file;
}

const made = new Map<string, Promise<string>>();

/** The absolute path of a fixture of `kind` in `dir`, made once per process and directory. */
export function mediaFixture(kind: MediaFixtureKind, dir: string): Promise<string> {
  const key = `${path.resolve(dir)}\0${kind}`;
  let file = made.get(key);
  if (!file) {
    file = makeFixture(kind, path.resolve(dir));
    made.set(key, file);
    file.catch(() => made.delete(key));
  }
  return file;
}
