import path from 'node:path';
import { MEDIA_FILES } from '@video/shared';
import { ffmpegArgs, runFfmpeg, threadArgs } from './ffmpeg-run.js';

/** DPlayer's seek-bar previews: 100 frames of 160 px in one row. */
export const STORYBOARD_FRAMES = 100;
export const STORYBOARD_FRAME_WIDTH = 160;

/**
 * storyboard.jpg: the fps filter spreads 100 frames evenly over the duration (repeating frames of
 * a short or low-rate video), and `tile` pads a short last row, so the image is always
 * 100 × 160 = 16,000 px wide.
 */
export async function makeStoryboard(input: string, outDir: string, o: { duration: number; threads: number; signal: AbortSignal; onTime(s: number): void }): Promise<void> {
  const rate = (STORYBOARD_FRAMES / o.duration).toFixed(6);
  const vf = `fps=${rate},scale=${STORYBOARD_FRAME_WIDTH}:-2,format=yuvj420p,tile=${STORYBOARD_FRAMES}x1`;
  // Frames over 10 s apart: decoding the keyframes alone finds one near each point, far cheaper.
  const sparse = o.duration / STORYBOARD_FRAMES >= 10 ? ['-skip_frame', 'nokey'] : [];
  const args = [
    ...sparse,
    ...['-i', input, '-map', '0:v:0', '-an', '-sn'],
    ...threadArgs(o.threads, '-filter_threads'),
    ...['-vf', vf, '-frames:v', '1', '-q:v', '4', path.join(outDir, MEDIA_FILES.storyboard)],
  ];
  await runFfmpeg(ffmpegArgs(o.threads, args), o);
}
