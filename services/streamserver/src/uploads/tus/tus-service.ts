import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import {
  badRequest,
  deleteUpload,
  findLiveVideo,
  findUpload,
  forbidden,
  insertUpload,
  listActiveUploadsByUser,
  listActiveUploadsByVideo,
  markUploadDone,
  notFound,
  payloadTooLarge,
  tooManyRequests,
  tusUploadFiles,
  unsupportedMediaType,
  uploadFailures,
  type Db,
  type SessionUser,
  type TusUpload,
} from '@video/shared';
import { Metadata } from '@tus/server';
import { overQuota, quotaLeftFor } from '../user-quota.js';
import { placeVideoFile, sniffVideoFile } from '../video-store.js';
import { isVideoId } from '@video/shared';

export interface TusSettings {
  db: Db;
  videoDir: string;
  maxBytes: number;
  maxMb: number;
  /** user_quota_mb; 0 = unlimited. */
  quotaMb: number;
  /** How long an unfinished upload lives (tus expiration; 24 h). */
  expiryMs: number;
  /** Unfinished uploads one user may hold at once. */
  maxActivePerUser: number;
  now: () => number;
}

const LENGTH = /^(0|[1-9][0-9]{0,15})$/;

export function newUploadId(): string {
  return randomBytes(16).toString('hex');
}

/** Parses Upload-Length and Upload-Metadata's video_id; 400 on anything malformed. */
export function parseCreation(headers: Record<string, string | string[] | undefined>): { length: number; videoId: string } {
  if (headers['upload-defer-length'] !== undefined) throw badRequest('Upload-Defer-Length is not supported: send Upload-Length');
  if (headers['upload-concat'] !== undefined) throw badRequest('Upload-Concat (concatenation) is not supported');
  const rawLength = headers['upload-length'];
  if (typeof rawLength !== 'string' || !LENGTH.test(rawLength)) throw badRequest('Upload-Length must be a non-negative integer');
  const length = Number(rawLength);
  if (!Number.isSafeInteger(length)) throw badRequest('Upload-Length must be a non-negative integer');
  const rawMeta = headers['upload-metadata'];
  let meta: Record<string, string | null> = {};
  if (typeof rawMeta === 'string' && rawMeta !== '') {
    try {
      meta = Metadata.parse(rawMeta);
    } catch {
      throw badRequest('Upload-Metadata is not valid: comma-separated "key base64value" pairs');
    }
  }
  const videoId = meta.video_id;
  if (!videoId) throw badRequest('Upload-Metadata must carry video_id (the id of a video you created)');
  if (!isVideoId(videoId)) throw badRequest('video_id is not a valid video id');
  return { length, videoId };
}

/**
 * Every check a creation must pass before a byte is stored, then the upload's row. A previous
 * unfinished upload into the same video is replaced (its bytes can never be used: the browser starts
 * a new upload only when it does not resume the old one).
 */
export async function createUploadRecord(
  s: TusSettings,
  user: SessionUser,
  creation: { length: number; videoId: string },
  uploadId: string,
): Promise<TusUpload> {
  const video = await findLiveVideo(s.db.kysely, creation.videoId);
  if (!video) throw notFound('no such video: create it first (POST /user/:username/videos)');
  if (video.author_id !== user.user_id) throw forbidden('only the owner of a video can upload its file');
  if (creation.length > s.maxBytes) {
    throw payloadTooLarge(`Upload-Length ${creation.length} is over the limit of ${s.maxMb} MiB (max_upload_mb)`);
  }
  if (creation.length === 0) throw unsupportedMediaType('an empty file is not a video');
  if (creation.length > (await quotaLeftFor(s.db, s.quotaMb, user.user_id, creation.videoId))) throw overQuota(s.quotaMb);

  const now = s.now();
  for (const old of await listActiveUploadsByVideo(s.db.kysely, creation.videoId)) await discardUpload(s, old.id);
  const active = await listActiveUploadsByUser(s.db.kysely, user.user_id, now);
  if (active.length >= s.maxActivePerUser) {
    const waitSec = (active[0].expires_at - now) / 1000;
    throw tooManyRequests(
      waitSec,
      `you have ${active.length} unfinished uploads (at most ${s.maxActivePerUser}): finish or cancel one first`,
    );
  }
  const row: TusUpload = {
    id: uploadId,
    video_id: creation.videoId,
    user_id: user.user_id,
    size: creation.length,
    state: 'active',
    create_time: now,
    expires_at: now + s.expiryMs,
  };
  await insertUpload(s.db.kysely, row);
  return row;
}

/** The caller's upload: 404 when unknown or expired, 403 when another user's. */
export async function requireOwnUpload(s: TusSettings, user: SessionUser, uploadId: string): Promise<TusUpload> {
  const row = await findUpload(s.db.kysely, uploadId);
  if (!row || row.expires_at <= s.now()) throw notFound(row ? 'the upload has expired' : 'no such upload');
  if (row.user_id !== user.user_id) throw forbidden('this upload belongs to another user');
  return row;
}

/** Removes an upload's bytes, its tus info file and its row; missing pieces are fine. */
export async function discardUpload(s: Pick<TusSettings, 'db' | 'videoDir'>, uploadId: string): Promise<void> {
  const files = tusUploadFiles(s.videoDir, uploadId);
  await rm(files.data, { force: true });
  await rm(files.info, { force: true });
  await deleteUpload(s.db.kysely, uploadId);
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The last byte has arrived: the file must start like a video (else 415 and nothing is kept); it
 * is flushed and renamed to video_dir/<vid> (same file system: atomic), the video row records size
 * and type, and the upload row stays as "done" until it expires, so a client whose last response
 * was lost still learns from HEAD that everything arrived.
 */
export async function finishUpload(s: TusSettings, row: TusUpload): Promise<{ contentType: string }> {
  const files = tusUploadFiles(s.videoDir, row.id);
  let contentType: string | undefined;
  try {
    contentType = await sniffVideoFile(files.data);
  } catch (err) {
    // Removed underneath the request (expired and swept, or its video purged): gone, not a fault.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('the upload has expired');
    throw err;
  }
  if (!contentType) {
    await discardUpload(s, row.id);
    uploadFailures.inc({ reason: 'not_video' });
    throw unsupportedMediaType('the file is not a known video container (MP4, WebM, Ogg, …)');
  }
  await fsyncFile(files.data);
  const file = { size: row.size, content_type: contentType };
  const placed = await placeVideoFile(s.db, s.videoDir, row.video_id, files.data, file, s.now());
  if (!placed) {
    await discardUpload(s, row.id);
    uploadFailures.inc({ reason: 'deleted' });
    throw notFound('the video was deleted during the upload');
  }
  await markUploadDone(s.db.kysely, row.id, s.now() + s.expiryMs);
  await rm(files.info, { force: true });
  return { contentType };
}
