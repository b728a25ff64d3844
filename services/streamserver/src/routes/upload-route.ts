import { rm } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AppError,
  ErrorCodes,
  badRequest,
  findLiveVideo,
  forbidden,
  notFound,
  payloadTooLarge,
  requireSession,
  sessionIdFromHeaders,
  unsupportedMediaType,
  uploadBytes,
  uploadFailures,
  type Config,
  type Db,
} from '@video/shared';
import { limitConnections, type ConnectionLimiter } from '../lib/connection-limiter.js';
import type { TransferGuard } from '../lib/transfer-guard.js';
import { requireFreeDisk } from '../lib/disk-floor.js';
import { overQuota, quotaLeftFor } from '../lib/user-quota.js';
import type { UserUploadSlots } from '../lib/user-upload-slots.js';
import type { OpenFileCache } from '../lib/open-file-cache.js';
import type { VideoRowCache } from '../lib/video-row-cache.js';
import { placeVideoFile, writeTempUpload, type StoredTemp } from '../lib/video-store.js';
import { ErrorSchema, UploadResponseSchema, VideoParamsSchema } from '../schemas.js';

export interface UploadRouteOptions {
  config: Config;
  db: Db;
  limiter: ConnectionLimiter;
  files: OpenFileCache;
  rows: VideoRowCache;
  uploads: UserUploadSlots;
  guard?: TransferGuard;
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

export const uploadRoute: FastifyPluginAsyncTypebox<UploadRouteOptions> = async (app, opts) => {
  const { config, db } = opts;
  const maxBytes = config.max_upload_mb * 1024 * 1024;

  // In this scope only multipart bodies are parsed (streamed, never buffered); any other body is
  // left unread so the handler can answer 401/403/404 before it answers 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // 1 MiB buffers in the parser and its file stream (the defaults, 16 KiB, pause the request for every socket read).
  await app.register(multipart, {
    limits: { fileSize: maxBytes, fieldSize: 64 * 1024, fields: 16, parts: 32 },
    highWaterMark: 1024 * 1024,
    fileHwm: 1024 * 1024,
  });

  app.post(
    '/upload/:vid',
    {
      schema: {
        params: VideoParamsSchema,
        response: { 201: UploadResponseSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
      },
      onRequest: limitConnections(opts.limiter, opts.guard),
    },
    async (request, reply) => {
      const id = request.params.vid;
      const user = await requireSession(db, sessionIdFromHeaders(request.headers));
      const video = await findLiveVideo(db.kysely, id);
      if (!video) throw notFound('no such video');
      if (video.author_id !== user.user_id) throw forbidden('only the owner of a video can upload its file');
      if (!request.isMultipart()) throw unsupportedMediaType('send the file as multipart/form-data in a part named "file"');
      opts.uploads.take(user.user_id, reply.raw);
      // A declared body far over the limit is refused before a byte of it is read.
      if (Number(request.headers['content-length']) > maxBytes + FORM_OVERHEAD) {
        uploadFailures.inc({ reason: 'too_large' });
        throw payloadTooLarge(`the file is larger than ${config.max_upload_mb} MiB`);
      }
      const left = await quotaLeftFor(db, config.user_quota_mb, user.user_id, id);
      if (Number(request.headers['content-length']) > left + FORM_OVERHEAD) {
        uploadFailures.inc({ reason: 'too_large' });
        throw overQuota(config.user_quota_mb);
      }
      // A body without a length (chunked) is cut off where it crosses the quota.
      const fileLimit = Math.min(maxBytes, left);
      try {
        await requireFreeDisk(config.video_dir, config.min_free_disk_mb);
      } catch (err) {
        uploadFailures.inc({ reason: 'disk_full' });
        throw err;
      }

      // A client that goes away mid-body must not leave the pipeline (and its temporary file) waiting.
      const abort = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) abort.abort();
      };
      reply.raw.once('close', onClose);
      // A client gone while the session and the video were being checked fires no further events:
      // the multipart parser would wait for its body forever.
      if (request.raw.socket?.destroyed || reply.raw.destroyed) {
        reply.raw.off('close', onClose);
        uploadFailures.inc({ reason: 'aborted' });
        throw badRequest('the client closed the connection');
      }
      let stored: StoredTemp | undefined;
      let size = 0;
      // The multipart parser can stall for good on some malformed bodies (a part without headers)
      // without an error; every real client starts its first part within a few seconds.
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
      try {
        const parse = (async () => {
          for await (const part of request.parts({ limits: { fileSize: fileLimit } })) {
            sawPart = true;
            if (part.type !== 'file') continue;
            if (part.fieldname !== 'file' || stored) {
              part.file.resume();
              continue;
            }
            stored = await writeTempUpload(config.video_dir, part.file, abort.signal);
            if (part.file.truncated) {
              throw fileLimit < maxBytes ? overQuota(config.user_quota_mb) : payloadTooLarge(`the file is larger than ${config.max_upload_mb} MiB`);
            }
          }
        })();
        parse.catch(() => undefined);
        await Promise.race([parse, stalled]);
        if (!stored) throw badRequest('no "file" part in the form');
        size = stored.size;
        const placed = await placeVideoFile(db, config.video_dir, id, stored.tempPath, {
          size: stored.size,
          content_type: stored.contentType,
        });
        stored = undefined;
        opts.files.invalidate(id);
        opts.rows.invalidate(id);
        if (!placed) throw notFound('the video was deleted during the upload');
      } catch (err) {
        if (stored) await rm(stored.tempPath, { force: true });
        uploadFailures.inc({ reason: failureReason(err) });
        throw asUploadError(err, config.max_upload_mb);
      } finally {
        clearTimeout(stallTimer);
        reply.raw.off('close', onClose);
      }
      uploadBytes.inc(size);
      return reply.code(201).send({ success: true as const, id, size });
    },
  );
};
