import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Runs a binary and collects stdout (as bytes); rejects with stderr on a non-zero exit. */
export function run(bin: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${bin} ${code}: ${err}`))));
  });
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  channels?: number;
}
export async function ffprobeStreams(file: string): Promise<ProbedStream[]> {
  const out = await run('/usr/bin/ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', file]);
  return (JSON.parse(out.toString()) as { streams: ProbedStream[] }).streams;
}

/** The first frame (or the frame at `at` seconds) of a file as raw pixels. */
export async function rawFrame(file: string, pixFmt: 'gray' | 'rgb24', at = 0): Promise<Buffer> {
  const seek = at > 0 ? ['-ss', String(at)] : [];
  return run('/usr/bin/ffmpeg', ['-v', 'error', ...seek, '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', pixFmt, '-']);
}

export function meanByte(buf: Buffer): number {
  let sum = 0;
  for (const b of buf) sum += b;
  return sum / buf.length;
}

/** A media playlist read independently of the pipeline's own parser. */
export interface PlaylistCheck {
  mapUri: string;
  map: { length: number; offset: number };
  segments: { duration: number; length: number; offset: number; uri: string }[];
}
export function readPlaylist(text: string): PlaylistCheck {
  const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"/.exec(text);
  if (!map) throw new Error(`no EXT-X-MAP with a BYTERANGE in:\n${text}`);
  const re = /#EXTINF:([\d.]+),\s*\n#EXT-X-BYTERANGE:(\d+)@(\d+)\s*\n([^\n#]+)/g;
  const segments = [...text.matchAll(re)].map((m) => ({ duration: Number(m[1]), length: Number(m[2]), offset: Number(m[3]), uri: m[4]!.trim() }));
  return { mapUri: map[1]!, map: { length: Number(map[2]), offset: Number(map[3]) }, segments };
}

/** Checks the byte ranges tile the file: init at 0, each range starting where the last ended, all inside. */
export async function checkRanges(mp4: string, p: PlaylistCheck): Promise<string[]> {
  const size = (await stat(mp4)).size;
  const problems: string[] = [];
  if (p.map.offset !== 0) problems.push(`init at ${p.map.offset}`);
  let end = p.map.offset + p.map.length;
  for (const s of p.segments) {
    if (s.offset !== end) problems.push(`segment at ${s.offset}, previous ended at ${end}`);
    end = s.offset + s.length;
    if (end > size) problems.push(`segment ends at ${end} past the file's ${size} bytes`);
  }
  return problems;
}

export async function readText(dir: string, name: string): Promise<string> {
  return readFile(path.join(dir, name), 'utf8');
}

export function tempDir(prefix: string, parent = os.tmpdir()): Promise<string> {
  return mkdtemp(path.join(parent, prefix));
}

export const live = () => new AbortController().signal;
