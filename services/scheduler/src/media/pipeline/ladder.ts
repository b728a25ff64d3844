import type { MediaProbe } from './probe.js';

/** One rendition to make: its frame size, and whether the source's streams can be copied as is. */
export interface RenditionPlan {
  width: number;
  height: number;
  /** x264's cap (bits/s); the buffer is twice that. */
  maxrate: number;
  copy: boolean;
}

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

/**
 * The rungs of `ladder` at or below the source's shorter side (a landscape source's height, a
 * portrait one's width), or the source's own size when it is below the lowest rung.
 */
export function planLadder(probe: MediaProbe, ladder: number[], watermark: boolean): RenditionPlan[] {
  const { width, height } = probe;
  const shorter = Math.min(width, height);
  const rungs = [...new Set(ladder)].sort((a, b) => a - b).filter((r) => r <= shorter);
  if (rungs.length === 0) rungs.push(even(shorter));
  return rungs.map((rung) => {
    const size = width >= height ? { width: even((width * rung) / height), height: even(rung) } : { width: even(rung), height: even((height * rung) / width) };
    return { ...size, maxrate: maxrateFor(size.width, size.height), copy: canCopy(probe, size, watermark) };
  });
}

/**
 * About 0.1 bit per pixel at 30 frames/s (360p ≈ 0.7 Mbit/s, 720p ≈ 2.8, 1080p ≈ 6.2), with a floor
 * for tiny sizes; x264 spends less (CRF) where the picture allows.
 */
export function maxrateFor(width: number, height: number): number {
  return Math.max(200_000, Math.round((width * height * 3) / 1000) * 1000);
}

/**
 * The source already is what this rung would be (H.264 4:2:0 at exactly this size, not rotated,
 * AAC or no audio) and nothing is burned in: its streams are copied. Keyframe spacing is checked
 * on the result (segments over 6 s → re-encode).
 */
export function canCopy(probe: MediaProbe, size: { width: number; height: number }, watermark: boolean): boolean {
  return (
    !watermark &&
    probe.videoCodec === 'h264' &&
    probe.pixFmt === 'yuv420p' &&
    probe.rotation === 0 &&
    probe.codedWidth === size.width &&
    probe.codedHeight === size.height &&
    (!probe.hasAudio || probe.audioCodec === 'aac')
  );
}
