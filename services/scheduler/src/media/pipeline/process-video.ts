import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MEDIA_FILES } from '@video/shared';
import { needsFaststart, remuxFaststart } from './faststart.js';
import { abortError } from './ffmpeg-run.js';
import type { Watermark } from './hls.js';
import { planLadder, type RenditionPlan } from './ladder.js';
import { masterPlaylist } from './master-playlist.js';
import { makePoster } from './poster.js';
import { probeMedia, type MediaProbe } from './probe.js';
import { Progress } from './progress.js';
import { encodeCost, makeRenditions } from './renditions.js';
import { makeStoryboard } from './storyboard.js';

export interface ProcessOptions {
  /** config.transcode_ladder: heights, ascending. */
  ladder: number[];
  /** config.transcode_threads (0 = ffmpeg's choice). */
  threads: number;
  watermark?: Watermark;
  /** Abort → ffmpeg is killed and the promise rejects with an AbortError. */
  signal: AbortSignal;
  /** 0–99 while running, at least every few seconds. */
  onProgress(percent: number): void;
  /** The generation's name, in the playlists' URIs (`?g=<gen>`). */
  gen: string;
  /**
   * Called once poster.jpg and thumb.jpg are in `outDir` (seconds in, long before the renditions),
   * so the caller can publish them early; the steps wait for it. A rejection fails the run.
   */
  onPreview?(facts: PreviewFacts): Promise<void>;
}

/** What is known when the poster is ready. */
export interface PreviewFacts {
  duration: number;
  width: number | null;
  height: number | null;
}

export interface ProcessResult {
  duration: number;
  width: number | null;
  height: number | null;
  hasAudio: boolean;
  renditions: { height: number; width: number; bandwidth: number; codecs: string }[];
  /** `outDir/faststart.mp4`: the original remuxed with moov first (fsynced), when it needed one. */
  faststartFile: string | null;
}

const WEIGHT = { faststart: 0.05, poster: 0.02, storyboard: 0.3, storyboardSparse: 0.05 };

function storyboardWeight(duration: number): number {
  return duration >= 1000 ? WEIGHT.storyboardSparse : WEIGHT.storyboard;
}

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw abortError();
}

interface StepContext {
  input: string;
  outDir: string;
  probe: MediaProbe;
  plans: RenditionPlan[];
  progress: Progress;
  o: ProcessOptions;
}

/** The steps in order: faststart remux, poster + thumb, storyboard, renditions, playlists, info. */
async function runSteps(c: StepContext, faststart: boolean): Promise<ProcessResult> {
  const { input, outDir, probe, o } = c;
  const base = { threads: o.threads, signal: o.signal, duration: probe.duration };
  const faststartFile = faststart ? await remuxFaststart(input, outDir, probe, { signal: o.signal, onTime: c.progress.step(WEIGHT.faststart) }) : null;
  await makePoster(input, outDir, { ...base, onTime: c.progress.step(WEIGHT.poster) });
  checkAbort(o.signal);
  await o.onPreview?.({ duration: probe.duration, width: probe.width, height: probe.height });
  await makeStoryboard(input, outDir, { ...base, onTime: c.progress.step(storyboardWeight(probe.duration)) });
  const infos = await makeRenditions(input, outDir, probe, c.plans, {
    ...base,
    watermark: o.watermark,
    gen: o.gen,
    onStep: (_kind, plans) => c.progress.step(encodeCost(plans)),
  });
  checkAbort(o.signal);
  await writeFile(path.join(outDir, MEDIA_FILES.master), masterPlaylist(infos, o.gen));
  const renditions = infos.map(({ height, width, bandwidth, codecs }) => ({ height, width, bandwidth, codecs }));
  const info = { duration: probe.duration, width: probe.width, height: probe.height, has_audio: probe.hasAudio, renditions };
  await writeFile(path.join(outDir, 'info.json'), `${JSON.stringify(info)}\n`);
  return { duration: probe.duration, width: probe.width, height: probe.height, hasAudio: probe.hasAudio, renditions, faststartFile };
}

/**
 * Makes one generation's files (media-spec layout) from `input` into the empty `outDir`, plus
 * `faststart.mp4` when the input is an MP4/MOV with moov after mdat (the caller moves it). Pure
 * file to files: no database. MediaError when the file cannot be processed at all.
 */
export async function processVideo(input: string, outDir: string, o: ProcessOptions): Promise<ProcessResult> {
  checkAbort(o.signal);
  const probe = await probeMedia(input, o.signal);
  const faststart = await needsFaststart(input, probe);
  const plans = planLadder(probe, o.ladder, o.watermark !== undefined);
  const total = (faststart ? WEIGHT.faststart : 0) + WEIGHT.poster + storyboardWeight(probe.duration) + encodeCost(plans);
  const progress = new Progress(total, probe.duration, o.onProgress);
  try {
    const result = await runSteps({ input, outDir, probe, plans, progress, o }, faststart);
    checkAbort(o.signal);
    // Flushing the files is the publisher's step (it fsyncs the whole folder before the rename).
    return result;
  } finally {
    progress.stop();
  }
}
