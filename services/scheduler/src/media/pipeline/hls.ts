import path from 'node:path';
import { renditionFiles } from '@video/shared';
import { ffmpegArgs, runFfmpeg, threadArgs } from './ffmpeg-run.js';
import type { RenditionPlan } from './ladder.js';

/** Segments of about 4 s; HLS players want none over 6 s. */
export const SEGMENT_SECONDS = 4;
export const MAX_SEGMENT_SECONDS = 6;

export type WatermarkPosition = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
export interface Watermark {
  file: string;
  position: WatermarkPosition;
}

interface RunBase {
  threads: number;
  hasAudio: boolean;
  signal: AbortSignal;
  onTime(seconds: number): void;
}

/** The fMP4, single-file HLS muxer writing `<h>.m3u8` and `<h>.mp4` into `outDir`. */
function hlsOutput(outDir: string, height: number): string[] {
  const files = renditionFiles(height);
  return [
    ...['-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_playlist_type', 'vod'],
    ...['-hls_segment_type', 'fmp4', '-hls_flags', 'single_file+independent_segments'],
    ...['-hls_segment_filename', path.join(outDir, files.media), path.join(outDir, files.playlist)],
  ];
}

/** Copies the source's first video (and audio) stream into one rendition; no decoding at all. */
export async function copyRendition(input: string, outDir: string, plan: RenditionPlan, o: RunBase): Promise<void> {
  const audio = o.hasAudio ? ['-map', '0:a:0'] : ['-an'];
  const args = ['-i', input, '-map', '0:v:0', ...audio, '-sn', '-dn', '-c', 'copy', ...hlsOutput(outDir, plan.height)];
  await runFfmpeg(ffmpegArgs(0, args), o);
}

/** The margin between a watermark and the picture's edges. */
const WATERMARK_MARGIN = 10;
/** The watermark's width as a share of the rendition's, so it looks the same on every rung. */
const WATERMARK_SHARE = 0.15;

const OVERLAY_AT: Record<WatermarkPosition, string> = {
  'top-left': `${WATERMARK_MARGIN}:${WATERMARK_MARGIN}`,
  'top-right': `W-w-${WATERMARK_MARGIN}:${WATERMARK_MARGIN}`,
  'bottom-left': `${WATERMARK_MARGIN}:H-h-${WATERMARK_MARGIN}`,
  'bottom-right': `W-w-${WATERMARK_MARGIN}:H-h-${WATERMARK_MARGIN}`,
};

/**
 * One decode of the source split into every rung's scaler (and, with a watermark, an overlay of
 * the image scaled to the rung). Burning a watermark in means every rung is re-encoded, even one
 * whose source could have been copied: that is its cost.
 */
export function filterGraph(plans: RenditionPlan[], watermark: Watermark | undefined): string {
  const n = plans.length;
  const parts = [`[0:v:0]split=${n}${plans.map((_, i) => `[s${i}]`).join('')}`];
  if (watermark) parts.push(`[1:v]format=rgba,split=${n}${plans.map((_, i) => `[w${i}]`).join('')}`);
  plans.forEach((p, i) => {
    const scaled = `[s${i}]scale=${p.width}:${p.height}:flags=bicubic,setsar=1`;
    if (!watermark) return parts.push(`${scaled},format=yuv420p[v${i}]`);
    const markWidth = Math.max(2, 2 * Math.round((p.width * WATERMARK_SHARE) / 2));
    parts.push(`${scaled}[b${i}]`, `[w${i}]scale=${markWidth}:-2[m${i}]`);
    parts.push(`[b${i}][m${i}]overlay=${OVERLAY_AT[watermark.position]}:format=auto,format=yuv420p[v${i}]`);
  });
  return parts.join(';');
}

/** x264 (veryfast, High, 4:2:0) with a capped CRF, a keyframe every 4 s, AAC stereo 128k. */
function encoderArgs(plan: RenditionPlan, o: RunBase): string[] {
  const audio = o.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', '-ac', '2'] : ['-an'];
  return [
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-crf', '23'],
    ...['-maxrate', String(plan.maxrate), '-bufsize', String(plan.maxrate * 2)],
    ...['-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`],
    ...threadArgs(o.threads),
    ...audio,
    '-sn',
    '-dn',
  ];
}

/** Encodes every plan in one ffmpeg run (the source is decoded once for all rungs). */
export async function encodeRenditions(input: string, outDir: string, plans: RenditionPlan[], o: RunBase & { watermark?: Watermark }): Promise<void> {
  if (plans.length === 0) return;
  const inputs = ['-i', input, ...(o.watermark ? ['-i', o.watermark.file] : [])];
  const outputs = plans.flatMap((p, i) => ['-map', `[v${i}]`, ...encoderArgs(p, o), ...hlsOutput(outDir, p.height)]);
  const graph = ['-filter_complex', filterGraph(plans, o.watermark), ...threadArgs(o.threads, '-filter_complex_threads')];
  await runFfmpeg(ffmpegArgs(o.threads, [...inputs, ...graph, ...outputs]), o);
}
