import { createWriteStream } from 'node:fs';
import { link, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { findLiveVideo, type Config, type Db } from '@video/shared';
import { originalKey } from '@video/shared/storage';
import { localIdentity } from './local-files.js';

/**
 * A reprocess of a video whose original is in the bucket: the pipeline works on a local file, so
 * the object comes back to `video_dir/<id>` first (written aside, then linked into place, never
 * over a file a new upload put there). The move after processing verifies it and removes it again.
 */
export async function fetchOriginalIfMoved(db: Db, config: Config, videoDir: string, id: string, signal: AbortSignal): Promise<void> {
  const file = path.join(videoDir, id);
  if (await localIdentity(file)) return;
  const video = await findLiveVideo(db.kysely, id);
  if (video?.storage !== 's3') return;
  const aside = path.join(videoDir, `.fetch-${id}-${randomBytes(4).toString('hex')}`);
  try {
    const store = await (await import('@video/shared/storage/s3')).objectStore(config);
    const out = await store.get(originalKey(id), undefined, signal);
    await pipeline(out.Body as Readable, createWriteStream(aside, { flags: 'wx' }), { signal });
    await link(aside, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}
