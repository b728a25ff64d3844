import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renditionFiles } from '@video/shared';
import type { ProcessResult, ProcessVideo } from '../../src/media/process-types.js';

export interface FakeOptions {
  /** How long the work takes, on a real timer. */
  ms?: number;
  /** Thrown at the end instead of finishing. */
  fail?: () => Error;
  /** Writes a remuxed copy of the original (inside outDir) and names it. */
  faststart?: boolean;
  /** Called once the work has begun (tests act mid-run). */
  onStart?: (input: string, outDir: string) => void;
  /** Writes poster.jpg and thumb.jpg first and announces them (onPreview), as the real pipeline does. */
  preview?: boolean;
}

/**
 * A stand-in for the ffmpeg pipeline that really writes a generation's layout, reports progress
 * every 100 ms, and stops at once (rejecting with the signal's reason) when aborted.
 */
export function fakeProcessor(o: FakeOptions = {}): ProcessVideo & { calls: string[]; aborted: number } {
  const fn = async (input: string, outDir: string, opts: Parameters<ProcessVideo>[2]): Promise<ProcessResult> => {
    fn.calls.push(input);
    o.onStart?.(input, outDir);
    if (o.preview) {
      for (const name of ['poster.jpg', 'thumb.jpg']) await writeFile(path.join(outDir, name), `early ${name}`);
      await opts.onPreview?.({ duration: 12.5, width: 1280, height: 720 });
    }
    const total = o.ms ?? 300;
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const done = Date.now() - started;
        opts.onProgress(Math.min(100, (done / total) * 100));
        if (done >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      opts.signal.addEventListener('abort', () => {
        clearInterval(timer);
        fn.aborted++;
        reject(opts.signal.reason);
      }, { once: true });
    });
    if (o.fail) throw o.fail();
    return writeLayout(input, outDir, opts.ladder, o.faststart ?? false);
  };
  fn.calls = [] as string[];
  fn.aborted = 0;
  return fn;
}

async function writeLayout(input: string, outDir: string, ladder: number[], faststart: boolean): Promise<ProcessResult> {
  await mkdir(outDir, { recursive: true });
  for (const name of ['poster.jpg', 'thumb.jpg', 'storyboard.jpg', 'master.m3u8', 'info.json']) await writeFile(path.join(outDir, name), name);
  for (const h of ladder) {
    const f = renditionFiles(h);
    await writeFile(path.join(outDir, f.playlist), '#EXTM3U\n');
    await writeFile(path.join(outDir, f.media), 'fmp4');
  }
  let faststartFile: string | null = null;
  if (faststart) {
    faststartFile = path.join(outDir, 'faststart.mp4');
    await writeFile(faststartFile, 'remuxed-moov-first');
  }
  const renditions = ladder.map((h) => ({ height: h, width: Math.round((h * 16) / 9), bandwidth: 800_000, codecs: 'avc1.64001f,mp4a.40.2' }));
  return { duration: 12.5, width: 1280, height: 720, hasAudio: true, renditions, faststartFile };
}
