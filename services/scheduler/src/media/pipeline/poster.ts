import path from 'node:path';
import { MEDIA_FILES } from '@video/shared';
import { FFMPEG_PATH, ffmpegArgs, runFfmpeg, runTool, threadArgs } from './ffmpeg-run.js';

/** Frames the `thumbnail` filter compares (each held scaled down, so memory stays small). */
const WINDOW_FRAMES = 50;
export const POSTER_MAX_WIDTH = 1280;
export const THUMB_WIDTH = 320;
/** A picture whose 10th and 90th luma percentiles are this close is blank (black, a flat card). */
const BLANK_SPREAD = 16;

/**
 * Where the windows start: about a third in (a little before, so the window centres there), then
 * other parts of the video when that one gave a blank frame.
 */
export function posterSeeks(duration: number): number[] {
  return [Math.max(0, duration / 3 - 1), duration * 0.6, duration * 0.1, duration * 0.85];
}

interface PosterOptions {
  duration: number;
  threads: number;
  signal: AbortSignal;
  onTime(s: number): void;
}

/** poster.jpg (≤ 1280 wide) and thumb.jpg (320 wide) from one frame, the window starting at `seek`. */
async function posterAt(input: string, outDir: string, seek: number, o: PosterOptions): Promise<void> {
  const graph = [
    `[0:v:0]scale='min(${POSTER_MAX_WIDTH},iw)':-2,thumbnail=${WINDOW_FRAMES},format=yuvj420p,split=2[p][t0]`,
    `[t0]scale=${THUMB_WIDTH}:-2[t]`,
  ].join(';');
  const args = [
    ...['-ss', seek.toFixed(3), '-i', input],
    ...threadArgs(o.threads, '-filter_complex_threads'),
    ...['-filter_complex', graph],
    ...['-map', '[p]', '-frames:v', '1', '-q:v', '3', path.join(outDir, MEDIA_FILES.poster)],
    ...['-map', '[t]', '-frames:v', '1', '-q:v', '3', path.join(outDir, MEDIA_FILES.thumb)],
  ];
  await runFfmpeg(ffmpegArgs(o.threads, args), o);
}

/** Whether a picture is (nearly) one flat tone, from ffmpeg's signalstats. */
export async function isBlank(image: string, signal: AbortSignal): Promise<boolean> {
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', image, '-vf', 'signalstats,metadata=mode=print:file=-', '-f', 'null', '-'];
  const { stdout } = await runTool(FFMPEG_PATH, args, { signal, captureStdout: true });
  const low = Number(/YLOW=([\d.]+)/.exec(stdout)?.[1]);
  const high = Number(/YHIGH=([\d.]+)/.exec(stdout)?.[1]);
  return Number.isFinite(low) && Number.isFinite(high) && high - low < BLANK_SPREAD;
}

/**
 * The poster and thumb: the `thumbnail` filter picks the frame most like its window's average,
 * which skips a stray black frame; a window that is blank as a whole (a long fade or title card)
 * is tried again further on, and the first window's frame is kept if every one is blank.
 */
export async function makePoster(input: string, outDir: string, o: PosterOptions): Promise<void> {
  const [first, ...others] = posterSeeks(o.duration);
  await posterAt(input, outDir, first!, o);
  for (const seek of others) {
    if (!(await isBlank(path.join(outDir, MEDIA_FILES.poster), o.signal))) return;
    await posterAt(input, outDir, seek, o);
  }
  if (await isBlank(path.join(outDir, MEDIA_FILES.poster), o.signal)) await posterAt(input, outDir, first!, o);
}
