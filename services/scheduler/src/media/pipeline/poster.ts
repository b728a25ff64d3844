import path from 'node:path';
import { MEDIA_FILES } from '@video/shared';
import { ffmpegArgs, runFfmpeg, threadArgs } from './ffmpeg-run.js';

/** Frames the `thumbnail` filter compares (each held scaled down, so memory stays small). */
const WINDOW_FRAMES = 50;
export const POSTER_MAX_WIDTH = 1280;
export const THUMB_WIDTH = 320;

/** Where the window starts: about a third in, a little before so the window centres there. */
export function posterSeek(duration: number): number {
  return Math.max(0, duration / 3 - 1);
}

/**
 * poster.jpg (≤ 1280 wide) and thumb.jpg (320 wide) from one frame: the `thumbnail` filter picks
 * the frame most like the window's average, so a black or blank frame (a fade, a title card) is
 * not chosen where the window has others.
 */
export async function makePoster(input: string, outDir: string, o: { duration: number; threads: number; signal: AbortSignal; onTime(s: number): void }): Promise<void> {
  const graph = [
    `[0:v:0]scale='min(${POSTER_MAX_WIDTH},iw)':-2,thumbnail=${WINDOW_FRAMES},format=yuvj420p,split=2[p][t0]`,
    `[t0]scale=${THUMB_WIDTH}:-2[t]`,
  ].join(';');
  const args = [
    ...['-ss', posterSeek(o.duration).toFixed(3), '-i', input],
    ...threadArgs(o.threads, '-filter_complex_threads'),
    ...['-filter_complex', graph],
    ...['-map', '[p]', '-frames:v', '1', '-q:v', '3', path.join(outDir, MEDIA_FILES.poster)],
    ...['-map', '[t]', '-frames:v', '1', '-q:v', '3', path.join(outDir, MEDIA_FILES.thumb)],
  ];
  await runFfmpeg(ffmpegArgs(o.threads, args), o);
}
