import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renditionFiles } from '@video/shared';
import { copyRendition, encodeRenditions, MAX_SEGMENT_SECONDS, type Watermark } from './hls.js';
import type { RenditionPlan } from './ladder.js';
import { AAC_LC, avcCodecFromInit, avcCodecFromProfile, type RenditionInfo } from './master-playlist.js';
import { longestSegment, parseMediaPlaylist, playlistBandwidth, rewriteMediaPlaylist } from './media-playlist.js';
import { probeOutput, type MediaProbe } from './probe.js';

export interface RenditionOptions {
  threads: number;
  watermark?: Watermark;
  signal: AbortSignal;
  gen: string;
}

/** Expected cost of one step in "seconds of 360p encoding" units, for the progress weights. */
export function encodeCost(plans: RenditionPlan[]): number {
  return plans.reduce((sum, p) => sum + (p.copy ? 0.05 : 0.3 + (p.width * p.height) / (640 * 360)), 0);
}

async function readPlaylist(outDir: string, plan: RenditionPlan) {
  const text = await readFile(path.join(outDir, renditionFiles(plan.height).playlist), 'utf8');
  return { text, parsed: parseMediaPlaylist(text) };
}

/** Copies what can be copied; a copy whose keyframes are too sparse for ≤ 6 s segments is dropped. */
async function tryCopies(input: string, outDir: string, plans: RenditionPlan[], probe: MediaProbe, o: RenditionOptions, onTime: (s: number) => void): Promise<RenditionPlan[]> {
  const failed: RenditionPlan[] = [];
  for (const plan of plans.filter((p) => p.copy)) {
    await copyRendition(input, outDir, plan, { ...o, hasAudio: probe.hasAudio, onTime });
    if (longestSegment((await readPlaylist(outDir, plan)).parsed) <= MAX_SEGMENT_SECONDS) continue;
    const files = renditionFiles(plan.height);
    await Promise.all([files.playlist, files.media].map((f) => rm(path.join(outDir, f), { force: true })));
    failed.push({ ...plan, copy: false });
  }
  return failed;
}

/** Rewrites the playlist's URIs and measures the rendition: size from ffprobe, codecs from avcC. */
async function finishRendition(outDir: string, plan: RenditionPlan, o: RenditionOptions): Promise<RenditionInfo> {
  const files = renditionFiles(plan.height);
  const { text, parsed } = await readPlaylist(outDir, plan);
  if (!parsed.map || parsed.segments.length === 0) throw new Error(`${files.playlist}: no init section or no segments`);
  await writeFile(path.join(outDir, files.playlist), rewriteMediaPlaylist(text, files.media, o.gen));
  const media = path.join(outDir, files.media);
  const out = await probeOutput(media, o.signal);
  const video = (await avcCodecFromInit(media, parsed.map)) ?? avcCodecFromProfile(out.profile, out.level);
  const { peak, average } = playlistBandwidth(parsed);
  return {
    height: out.height,
    width: out.width,
    bandwidth: peak,
    averageBandwidth: average,
    codecs: out.hasAudio ? `${video},${AAC_LC}` : video,
  };
}

/**
 * Every rung's `<h>.m3u8` + `<h>.mp4` in `outDir`, lowest first. `onTime(step)` gives the
 * progress callback for the copy step and the encode step.
 */
export async function makeRenditions(
  input: string,
  outDir: string,
  probe: MediaProbe,
  plans: RenditionPlan[],
  o: RenditionOptions & { onStep(kind: 'copy' | 'encode', plans: RenditionPlan[]): (s: number) => void },
): Promise<RenditionInfo[]> {
  const copies = plans.filter((p) => p.copy);
  const failed = copies.length ? await tryCopies(input, outDir, plans, probe, o, o.onStep('copy', copies)) : [];
  const encodes = [...plans.filter((p) => !p.copy), ...failed];
  if (encodes.length) await encodeRenditions(input, outDir, encodes, { ...o, hasAudio: probe.hasAudio, onTime: o.onStep('encode', encodes) });
  const infos: RenditionInfo[] = [];
  for (const plan of plans) infos.push(await finishRendition(outDir, plan, o));
  return infos;
}
