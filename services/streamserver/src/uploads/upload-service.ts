import { rm } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  ErrorCodes,
  badRequest,
  findLiveVideo,
  forbidden,
  notFound,
  payloadTooLarge,
  unsupportedMediaType,
  uploadFailures,
  type Config,
  type Db,
  type SessionUser,
} from '@video/shared';
import { requireFreeDisk } from './disk-floor.js';
import type { OpenFileCache } from '@video/shared/files';
import { overQuota, quotaLeftFor } from './user-quota.js';
import type { UserUploadSlots } from './user-upload-slots.js';
import type { VideoRowCache } from '../media/video-row-cache.js';
import { placeVideoFile, writeTempUpload, type StoredTemp } from './video-store.js';

/** What a multipart upload needs: where files go, its limits, and the caches a new file invalidates. */
export interface UploadService {
  config: Config;
  db: Db;
  files: OpenFileCache;
  rows: VideoRowCache;
  uploads: UserUploadSlots;
}

/** How long a multipart body may take to begin its first part. */
const FIRST_PART_MS = 5_000;

/** Room for part headers, boundaries and small fields around the file in a multipart body. */
const FORM_OVERHEAD = 1024 * 1024;

function failureReason(err: unknown): string {
  if (err instanceof AppError) return err.errorCode === ErrorCodes.PAYLOAD_TOO_LARGE.code ? 'too_large' : err.errorCode === ErrorCodes.UNSUPPORTED_MEDIA_TYPE.code ? 'not_video' : 'rejected';
  const code = (err as { code?: string })?.code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return 'too_large';
  if (code === 'ABORT_ERR' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') return 'aborted';
  return 'error';
}

/**
 * The contract's error for a failed upload. The multipart parser reports a malformed body with
 * plain errors (no status, no syscall): those are the client's fault, a 400, not a 500.
 */
function asUploadError(err: unknown, maxMb: number): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; statusCode?: number; syscall?: string } | null;
  if (e?.code === 'FST_REQ_FILE_TOO_LARGE') return payloadTooLarge(`the file is larger than ${maxMb} MiB`);
  if (!e || typeof e.statusCode === 'number' || typeof e.syscall === 'string' || e.code === 'ABORT_ERR') return err;
  return badRequest(`the multipart body is malformed: ${(err as Error).message}`);
}

const tooLarge = (config: Config) => payloadTooLarge(`the file is larger than ${config.max_upload_mb} MiB`);

/**
 * Every check before a byte of the body is read: the video and its owner, a multipart body, the
 * user's upload slot, the declared length against the limit and the quota, the disk floor.
 * Returns the most the file may hold (a body without a length is cut off there).
 */
async function admitUpload(svc: UploadService, request: FastifyRequest, reply: FastifyReply, user: SessionUser, id: string): Promise<number> {
  const { config, db } = svc;
  const maxBytes = config.max_upload_mb * 1024 * 1024;
  const video = await findLiveVideo(db.kysely, id);
  if (!video) throw notFound('no such video');
  if (video.author_id !== user.user_id) throw forbidden('only the owner of a video can upload its file');
  if (!request.isMultipart()) throw unsupportedMediaType('send the file as multipart/form-data in a part named "file"');
  svc.uploads.take(user.user_id, reply.raw);
  // A declared body far over the limit is refused before a byte of it is read.
  if (Number(request.headers['content-length']) > maxBytes + FORM_OVERHEAD) {
    uploadFailures.inc({ reason: 'too_large' });
    throw tooLarge(config);
  }
  const left = await quotaLeftFor(db, config.user_quota_mb, user.user_id, id);
  if (Number(request.headers['content-length']) > left + FORM_OVERHEAD) {
    uploadFailures.inc({ reason: 'too_large' });
    throw overQuota(config.user_quota_mb);
  }
  try {
    await requireFreeDisk(config.video_dir, config.min_free_disk_mb);
  } catch (err) {
    uploadFailures.inc({ reason: 'disk_full' });
    throw err;
  }
  return Math.min(maxBytes, left);
}

/**
 * An abort signal for a client that goes away mid-body, so the pipeline (and its temporary file)
 * is not left waiting; `stop` detaches it. Throws when the client is gone already: a client gone
 * while the session and the video were being checked fires no further events, and the multipart
 * parser would wait for its body forever.
 */
function watchClient(request: FastifyRequest, reply: FastifyReply): { abort: AbortController; stop: () => void } {
  const abort = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.once('close', onClose);
  const stop = () => reply.raw.off('close', onClose);
  if (request.raw.socket?.destroyed || reply.raw.destroyed) {
    stop();
    uploadFailures.inc({ reason: 'aborted' });
    throw badRequest('the client closed the connection');
  }
  return { abort, stop };
}

interface Receipt {
  stored?: StoredTemp;
}

/**
 * Streams the form's "file" part to a temporary file (recorded in `receipt` as soon as it exists,
 * so the caller can remove it). The multipart parser can stall for good on some malformed bodies (a
 * part without headers) without an error; every real client starts its first part within a few
 * seconds, so one that has not is refused.
 */
async function receiveFilePart(svc: UploadService, request: FastifyRequest, reply: FastifyReply, fileLimit: number, abort: AbortController, receipt: Receipt) {
  const { config } = svc;
  let sawPart = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    stallTimer = setTimeout(() => {
      if (sawPart) return;
      abort.abort();
      reply.header('connection', 'close');
      reject(badRequest(`the multipart body is malformed: no part began within ${FIRST_PART_MS / 1000} s`));
    }, FIRST_PART_MS);
  });
  const parse = (async () => {
    for await (const part of request.parts({ limits: { fileSize: fileLimit } })) {
      sawPart = true;
      if (part.type !== 'file') continue;
      if (part.fieldname !== 'file' || receipt.stored) {
        part.file.resume();
        continue;
      }
      receipt.stored = await writeTempUpload(config.video_dir, part.file, abort.signal);
      if (part.file.truncated) throw fileLimit < config.max_upload_mb * 1024 * 1024 ? overQuota(config.user_quota_mb) : tooLarge(config);
    }
  })();
  parse.catch(() => undefined);
  try {
    await Promise.race([parse, stalled]);
  } finally {
    clearTimeout(stallTimer);
  }
}

/**
 * A multipart upload of video `id`'s file by `user`, checked, received and put in place. Returns
 * the stored size; every failure is counted by reason and thrown as the contract's error.
 */
export async function acceptUpload(svc: UploadService, request: FastifyRequest, reply: FastifyReply, user: SessionUser, id: string): Promise<number> {
  const { config, db } = svc;
  const fileLimit = await admitUpload(svc, request, reply, user, id);
  const { abort, stop } = watchClient(request, reply);
  const receipt: Receipt = {};
  try {
    await receiveFilePart(svc, request, reply, fileLimit, abort, receipt);
    const stored = receipt.stored;
    if (!stored) throw badRequest('no "file" part in the form');
    const placed = await placeVideoFile(db, config.video_dir, id, stored.tempPath, { size: stored.size, content_type: stored.contentType });
    receipt.stored = undefined;
    svc.files.invalidate(id);
    svc.rows.invalidate(id);
    if (!placed) throw notFound('the video was deleted during the upload');
    return stored.size;
  } catch (err) {
    if (receipt.stored) await rm(receipt.stored.tempPath, { force: true });
    uploadFailures.inc({ reason: failureReason(err) });
    throw asUploadError(err, config.max_upload_mb);
  } finally {
    stop();
  }
}
