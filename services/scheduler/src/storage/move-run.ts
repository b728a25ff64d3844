import path from 'node:path';
import { isVideoId, type Config } from '@video/shared';
import { derivedKey, expectedEtag, isMd5Etag, mediaPrefix, originalKey, type ObjectStore } from '@video/shared/storage';
import type { JobContext } from '../jobs/job.js';
import { generationFiles, localIdentity, removeGenerationDir, removeOriginalIfSame, type LocalIdentity } from './local-files.js';
import { beatMove, dropMove, failMove, moveSubject, recordMoved, type ClaimedMove, type MoveClaim } from './move-task-repository.js';

/** Attempts before a move that keeps failing stops (the video then keeps serving from video_dir). */
export const MAX_MOVE_ATTEMPTS = 6;
/** A derived file's URL names its generation: it never changes. */
export const IMMUTABLE_OBJECT = 'public, max-age=31536000, immutable';

export type MoveOutcome = 'moved' | 'stale' | 'retried' | 'failed' | 'lost' | 'released';

export interface MoveRunContext {
  db: JobContext['db'];
  log: JobContext['log'];
  config: Config;
  store: ObjectStore;
  owner: string;
  videoDir: string;
  heartbeatMs: number;
  retryBaseMs: number;
  now: () => number;
  nextLeaseEnd: () => number;
  /** Runs after each object is verified (tests stop a run there). */
  afterVerify?: (key: string) => Promise<void> | void;
}

/** An object the store does not hold as the file that was sent: the next attempt uploads it again. */
export class VerifyError extends Error {}

interface Item {
  key: string;
  file: string;
  contentType: string;
  cacheControl?: string;
}

/**
 * Puts one file unless the store already holds exactly it (a re-run after a crash), then checks the
 * object: the same size, and where the store gives an MD5-form ETag, S3's (the MD5, or for a
 * multipart upload the MD5 of the part MD5s) or the whole file's MD5 (s3rver's for multipart).
 */
async function putVerified(m: MoveRunContext, item: Item, signal: AbortSignal): Promise<void> {
  const want = await expectedEtag(item.file, signal);
  const matches = (h: { size: number; etag: string } | undefined) =>
    !!h && h.size === want.size && (!isMd5Etag(h.etag) || h.etag === want.etag || h.etag === want.md5);
  if (!matches(await m.store.head(item.key, signal))) {
    await m.store.putFile(item.key, item.file, { contentType: item.contentType, cacheControl: item.cacheControl, signal });
    const head = await m.store.head(item.key, signal);
    if (!matches(head)) throw new VerifyError(`${item.key}: the store holds ${head ? `${head.size} bytes, ETag ${head.etag}` : 'nothing'}; sent ${want.size} bytes, ${want.etag}`);
  }
  await m.afterVerify?.(item.key);
}

/** Keeps the lease while the run goes; a lost move aborts it. */
function keepLease(m: MoveRunContext, claim: MoveClaim, controller: AbortController): () => void {
  const timer = setInterval(() => {
    beatMove(m.db.kysely, claim, { now: m.now(), until: m.nextLeaseEnd() })
      .then((held) => {
        if (!held && !controller.signal.aborted) controller.abort(new Error('the move is no longer this run’s'));
      })
      .catch((err: unknown) => m.log.warn({ video_id: claim.videoId, err }, 'move heartbeat failed; retrying at the next one'));
  }, m.heartbeatMs);
  return () => clearInterval(timer);
}

async function settle(m: MoveRunContext, task: ClaimedMove, claim: MoveClaim, err: unknown, stopping: boolean): Promise<MoveOutcome> {
  if (stopping) return 'released';
  const attempts = task.attempts + 1;
  const final = attempts >= MAX_MOVE_ATTEMPTS;
  const now = m.now();
  const retryAt = final ? null : now + m.retryBaseMs * 4 ** (attempts - 1);
  const error = err instanceof Error ? err.message : String(err);
  if (!(await failMove(m.db.kysely, claim, { error, retryAt, now }))) return 'lost';
  m.log.warn({ video_id: claim.videoId, attempts, retry_at: retryAt, err: error }, final ? 'move to the bucket failed; the video stays local' : 'move to the bucket failed; will retry');
  return final ? 'failed' : 'retried';
}

/** After the record: the local copies go (the original only if still the uploaded file), then other generations' objects. */
async function cleanUp(m: MoveRunContext, id: string, gen: string | null, original: LocalIdentity | undefined): Promise<void> {
  if (original) await removeOriginalIfSame(path.join(m.videoDir, id), original);
  if (gen) await removeGenerationDir(m.videoDir, id, gen);
  const keep = gen ? `${mediaPrefix(id)}${gen}/` : undefined;
  const old = (await m.store.list(mediaPrefix(id))).filter((k) => !keep || !k.startsWith(keep));
  if (old.length > 0) await m.store.deleteKeys(old);
}

/**
 * One move: the original and the current generation's files go up and are verified, one
 * transaction records the video as in the bucket (only if it is still the same upload), and only
 * then do the local copies go. A crash anywhere leaves the local copy serving, or the objects
 * verified and recorded; a re-run skips what is already there.
 */
export async function runMove(m: MoveRunContext, task: ClaimedMove, controller: AbortController, stopping: () => boolean): Promise<MoveOutcome> {
  const claim: MoveClaim = { videoId: task.video_id, seq: task.seq, owner: m.owner };
  const stopLease = keepLease(m, claim, controller);
  const signal = controller.signal;
  try {
    const id = task.video_id;
    const subject = await moveSubject(m.db.kysely, id);
    if (!isVideoId(id) || !subject || Number(subject.seq) !== task.seq || subject.state !== 'done' || subject.upload_state !== 'ready') {
      await dropMove(m.db.kysely, claim, 'superseded: the video changed since it was processed', m.now());
      return 'stale';
    }
    const gen = subject.media_gen;
    const file = path.join(m.videoDir, id);
    const original = await localIdentity(file);
    if (!original && !(subject.storage === 's3' && (await m.store.head(originalKey(id), signal)))) throw new Error('the original is neither in video_dir nor in the bucket');
    const items: Item[] = original ? [{ key: originalKey(id), file, contentType: subject.content_type ?? 'video/mp4' }] : [];
    for (const d of gen ? await generationFiles(m.videoDir, id, gen) : []) {
      items.push({ key: derivedKey(id, gen!, d.name), file: d.file, contentType: d.contentType, cacheControl: IMMUTABLE_OBJECT });
    }
    for (const item of items) {
      signal.throwIfAborted();
      await putVerified(m, item, signal);
    }
    signal.throwIfAborted();
    if (!(await recordMoved(m.db.kysely, claim, gen, m.now()))) {
      // Deleted while uploading: the purge may have listed the prefix before these objects landed.
      if (!(await moveSubject(m.db.kysely, id))) await m.store.deleteKeys(items.map((i) => i.key));
      return 'lost';
    }
    await cleanUp(m, id, gen, original).catch((err: unknown) => m.log.warn({ video_id: id, err }, 'moved, but a local copy or an old object was not removed'));
    m.log.info({ video_id: id, objects: items.length }, 'moved to the bucket');
    return 'moved';
  } catch (err) {
    if (signal.aborted && !stopping()) return 'lost';
    return settle(m, task, claim, err, stopping());
  } finally {
    stopLease();
  }
}
