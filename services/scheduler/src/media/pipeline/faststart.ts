import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { MediaError, ffmpegArgs, runFfmpeg } from './ffmpeg-run.js';
import type { MediaProbe } from './probe.js';

export const FASTSTART_FILE = 'faststart.mp4';

/** Top-level boxes looked at before giving up (real files have a handful). */
const MAX_BOXES = 4096;

/**
 * The order of the file's top-level ISO-BMFF boxes up to `moov`, read from their headers only
 * (a few bytes per box, whatever the file's size).
 */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(16);
    const types: string[] = [];
    let offset = 0;
    while (offset + 8 <= size && types.length < MAX_BOXES) {
      const { bytesRead } = await fh.read(head, 0, 16, offset);
      if (bytesRead < 8) break;
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (boxSize === 1) {
        if (bytesRead < 16) break;
        boxSize = Number(head.readBigUInt64BE(8));
      } else if (boxSize === 0) {
        boxSize = size - offset;
      }
      if (boxSize < 8) break;
      types.push(type);
      if (type === 'moov') break;
      offset += boxSize;
    }
    return types;
  } finally {
    await fh.close();
  }
}

/** An MP4/MOV whose `moov` comes after its `mdat`: players must read the end before starting. */
export async function needsFaststart(file: string, probe: MediaProbe): Promise<boolean> {
  if (!/(^|,)(mov|mp4)(,|$)/.test(probe.formatName)) return false;
  const boxes = await topLevelBoxes(file);
  const mdat = boxes.indexOf('mdat');
  return mdat !== -1 && boxes.indexOf('moov') > mdat;
}

export async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Remuxes `input` with `moov` first (same streams, no re-encode) into `outDir/faststart.mp4`,
 * fsynced. A QuickTime file stays QuickTime. A file the muxer refuses (an odd private track) is
 * left as it was, null: it still plays, only later, and its renditions are worth having.
 */
export async function remuxFaststart(input: string, outDir: string, probe: MediaProbe, o: { signal: AbortSignal; onTime(s: number): void }): Promise<string | null> {
  const out = path.join(outDir, FASTSTART_FILE);
  const format = probe.majorBrand.startsWith('qt') ? 'mov' : 'mp4';
  const args = ['-i', input, '-map', '0', '-c', 'copy', '-map_metadata', '0', '-movflags', '+faststart', '-f', format, out];
  try {
    await runFfmpeg(ffmpegArgs(0, args), o);
  } catch (err) {
    await rm(out, { force: true });
    if (err instanceof MediaError) return null;
    throw err;
  }
  await fsyncFile(out);
  return out;
}
