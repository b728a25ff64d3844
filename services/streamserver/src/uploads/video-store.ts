import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { markVideoUploaded, unsupportedMediaType, type Db } from '@video/shared';
import { FileSink } from './file-sink.js';
import { SNIFF_BYTES, sniffVideo } from './video-sniff.js';

/** Where a video's file lives. Only for ids that passed isVideoId (checked before any file-system call). */
export function videoPath(videoDir: string, id: string): string {
  return path.join(videoDir, id);
}

/**
 * A fresh temporary path beside the final files (same file system, so rename is atomic). Its
 * leading dot and suffix can never match a video id, so a half-written file is never served.
 */
export function tempUploadPath(videoDir: string): string {
  return path.join(videoDir, `.upload-${randomUUID()}.part`);
}

export const TEMP_FILE = /^\.upload-[0-9a-f-]{36}\.part$/;

/** Reads a file's leading bytes and names its video container, or undefined when it is none. */
export async function sniffVideoFile(file: string): Promise<string | undefined> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffVideo(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Passes bytes through unchanged after checking that the first SNIFF_BYTES (or the whole stream,
 * when shorter) start a known video container; fails with 415 otherwise, before much is written.
 */
class SniffTransform extends Transform {
  contentType: string | undefined;
  bytes = 0;
  private head: Buffer[] = [];
  private headLength = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.contentType) return cb(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) return cb();
    this.decide(cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.contentType) return cb();
    this.decide(cb);
  }

  private decide(cb: TransformCallback): void {
    const head = Buffer.concat(this.head, this.headLength);
    this.head = [];
    this.contentType = sniffVideo(head);
    if (!this.contentType) return cb(unsupportedMediaType('the file is not a known video container (MP4, WebM, Ogg, …)'));
    cb(null, head);
  }
}

/**
 * Bytes an upload may queue on its way to the file. With the 16 KiB default every 64 KiB socket read
 * becomes its own write through the thread pool, and the parser waits for each; with 1 MiB the
 * writes that queue up behind a running one go to the file together (writev).
 */
const UPLOAD_BUFFER = 1024 * 1024;

export interface StoredTemp {
  tempPath: string;
  size: number;
  contentType: string;
}

/**
 * Streams `source` into a new temporary file in `videoDir`, checking its leading bytes, and
 * flushes it to disk. On any failure (bad bytes, size limit, abort via `signal`) the temporary file
 * is removed and the error rethrown. The caller places the result with placeVideoFile.
 */
export async function writeTempUpload(videoDir: string, source: Readable, signal?: AbortSignal): Promise<StoredTemp> {
  const tempPath = tempUploadPath(videoDir);
  const sniff = new SniffTransform({ highWaterMark: UPLOAD_BUFFER });
  const out = new FileSink(tempPath, UPLOAD_BUFFER);
  try {
    await pipeline(source, sniff, out, { signal });
    if (!sniff.contentType) throw unsupportedMediaType('the file is empty');
    return { tempPath, size: sniff.bytes, contentType: sniff.contentType };
  } catch (err) {
    // The file is opened asynchronously: when the pipeline fails early, the open may still be in
    // flight and would create the file after an immediate rm. Wait for the stream to close first.
    if (!out.closed) {
      await Promise.race([once(out, 'close').catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    await rm(tempPath, { force: true });
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const placing = new Map<string, Promise<unknown>>();

/**
 * Makes a complete, flushed temporary file the video's file and records its size and content type:
 * rename over the final name (atomic: readers see the old file or the new one, never a mix), fsync
 * the directory, then mark the row. Per id these steps run one at a time, in this process and
 * (under the video's row lock) across stream servers, so the row describes the file that won. Returns false — and removes the file — when the video was
 * deleted meanwhile. The temporary file must be in `videoDir`.
 */
export async function placeVideoFile(
  db: Db,
  videoDir: string,
  id: string,
  tempPath: string,
  file: { size: number; content_type: string },
  now = Date.now(),
): Promise<boolean> {
  const previous = placing.get(id) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    const finalPath = videoPath(videoDir, id);
    // Another stream server on the same video_dir may place the same video at once: the row lock,
    // taken before the rename and held until the row is marked, orders the two across processes.
    const ok = await db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('video_info').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', id).execute();
      try {
        await rename(tempPath, finalPath);
      } catch (err) {
        await rm(tempPath, { force: true });
        throw err;
      }
      await fsyncDir(videoDir);
      return markVideoUploaded(trx, id, file, now);
    });
    if (!ok) await rm(finalPath, { force: true });
    return ok;
  });
  placing.set(id, run);
  try {
    return await run;
  } finally {
    if (placing.get(id) === run) placing.delete(id);
  }
}

/**
 * Removes temporary upload files that a crash left behind. A live upload writes its file all the
 * time, so only files untouched for `olderThanMs` go; returns how many were removed.
 */
export async function sweepTempUploads(videoDir: string, olderThanMs = 10 * 60_000, now = Date.now()): Promise<number> {
  const names = await readdir(videoDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!TEMP_FILE.test(name)) continue;
    const file = path.join(videoDir, name);
    const st = await stat(file).catch(() => undefined);
    if (st && now - st.mtimeMs > olderThanMs) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
