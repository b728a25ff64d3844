import { open } from 'node:fs/promises';
import { renditionFiles } from '@video/shared';
import type { ByteRange } from './media-playlist.js';

export interface RenditionInfo {
  height: number;
  width: number;
  /** Peak bits/s (BANDWIDTH). */
  bandwidth: number;
  averageBandwidth: number;
  /** RFC 6381, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** `avc1.PPCCLL` from the profile, constraint flags and level bytes of the init section's avcC box. */
export async function avcCodecFromInit(file: string, init: ByteRange): Promise<string | null> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(init.length, 1 << 20));
    const { bytesRead } = await fh.read(buf, 0, buf.length, init.offset);
    const at = buf.subarray(0, bytesRead).indexOf('avcC', 0, 'latin1');
    if (at === -1 || at + 8 > bytesRead) return null;
    // avcC: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
    return `avc1.${hex2(buf[at + 5]!)}${hex2(buf[at + 6]!)}${hex2(buf[at + 7]!)}`;
  } finally {
    await fh.close();
  }
}

/** The same from ffprobe's profile name and level, when the init section could not be read. */
export function avcCodecFromProfile(profile: string, level: number): string {
  const p = /high/i.test(profile) ? '6400' : /main/i.test(profile) ? '4d40' : /constrained/i.test(profile) ? '42e0' : '4200';
  return `avc1.${p}${hex2(level)}`;
}

/** AAC-LC is what the renditions carry (a copied source is AAC too: LC in practice). */
export const AAC_LC = 'mp4a.40.2';

/** The master playlist: one variant per rendition, lowest first, each URI naming the generation. */
export function masterPlaylist(renditions: RenditionInfo[], gen: string): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of [...renditions].sort((a, b) => a.bandwidth - b.bandwidth)) {
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},AVERAGE-BANDWIDTH=${r.averageBandwidth},RESOLUTION=${r.width}x${r.height},CODECS="${r.codecs}"`);
    lines.push(`${renditionFiles(r.height).playlist}?g=${encodeURIComponent(gen)}`);
  }
  return `${lines.join('\n')}\n`;
}
