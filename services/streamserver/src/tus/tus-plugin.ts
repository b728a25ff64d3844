import { mkdir } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  badRequest,
  conflict,
  requireSession,
  sessionIdFromHeaders,
  toAppError,
  tusStoreDir,
  unsupportedMediaType,
  uploadBytes,
  uploadFailures,
  type AppError,
  type Config,
  type Db,
  type SessionUser,
  type TusUpload,
} from '@video/shared';
import { limitConnections } from '../lib/connection-limiter.js';
import { requireFreeDisk } from '../lib/disk-floor.js';
import type { UserUploadSlots } from '../lib/user-upload-slots.js';
import { fromTusError, TUS_VERSION, TusVersionError } from './tus-errors.js';
import { TusResponses, UploadParamsSchema } from './tus-schemas.js';
import { publicOrigin, sendEmpty, sendTus, toWebRequest } from './tus-web-request.js';
import {
  createUploadRecord,
  discardUpload,
  finishUpload,
  newUploadId,
  parseCreation,
  requireOwnUpload,
  type TusSettings,
} from './tus-service.js';

export interface TusPluginOptions {
  config: Config;
  db: Db;
  /** Concurrent uploads per user, shared with the multipart route. */
  uploads: UserUploadSlots;
  /** Unfinished-upload lifetime; default 24 h. */
  expiryMs?: number;
  /** Unfinished uploads per user; default 5. */
  maxActivePerUser?: number;
  now?: () => number;
}

export const TUS_PATH = '/files';
export const DEFAULT_EXPIRY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_ACTIVE_PER_USER = 5;

/** What a request learned before @tus/server took over, for the hooks it calls back. */
interface TusContext {
  uploadId?: string;
  row?: TusUpload;
  origin: string;
  /** An error our own hook raised inside @tus/server, rethrown as is. */
  error?: AppError;
}

/**
 * The store with the extensions the contract names. Not creation-defer-length: the size must be
 * known (and checked) before any byte. Not creation-with-upload: @tus/server reads the upload back
 * after a finishing POST, when the file has already been moved into place.
 */
class VideoFileStore extends FileStore {
  constructor(options: ConstructorParameters<typeof FileStore>[0]) {
    super(options);
    this.extensions = ['creation', 'termination', 'expiration'];
  }
}
/**
 * FileStore's constructor makes its directory without waiting and throws from the callback, so a
 * failure (the directory removed meanwhile) is an uncaught exception. The plugin makes the directory
 * itself, awaited, before the store exists; the store's own (private, so patched) check is a no-op.
 */
(VideoFileStore.prototype as unknown as { checkOrCreateDirectory(): void }).checkOrCreateDirectory = () => undefined;

/** Reads and drops what is left of a request body nobody will use, so the answer reaches the client. */
function discardBody(request: FastifyRequest): void {
  request.raw.removeAllListeners('data');
  request.raw.on('data', () => undefined);
  request.raw.resume();
}

/**
 * tus 1.0 (core, creation, termination, expiration) under /files/ with @tus/server and
 * @tus/file-store. Everything the contract decides — session, ownership, size, the per-user cap,
 * "is this a video", placing the file — happens here, around @tus/server, which keeps the protocol.
 */
export const tusPlugin: FastifyPluginAsyncTypebox<TusPluginOptions> = async (app, opts) => {
  const { config, db } = opts;
  const settings: TusSettings = {
    db,
    videoDir: config.video_dir,
    maxBytes: config.max_upload_mb * 1024 * 1024,
    maxMb: config.max_upload_mb,
    quotaMb: config.user_quota_mb,
    expiryMs: opts.expiryMs ?? DEFAULT_EXPIRY_MS,
    maxActivePerUser: opts.maxActivePerUser ?? DEFAULT_MAX_ACTIVE_PER_USER,
    now: opts.now ?? Date.now,
  };
  const directory = tusStoreDir(config.video_dir);
  // Made here, awaited: the store's own unawaited mkdir is turned off (VideoFileStore).
  await mkdir(directory, { recursive: true });

  const contexts = new WeakMap<Request, TusContext>();
  const ctxOf = (req: Request): TusContext => {
    const ctx = contexts.get(req);
    if (!ctx) throw new Error('tus request without context');
    return ctx;
  };

  const tus = new Server({
    path: TUS_PATH,
    datastore: new VideoFileStore({ directory, expirationPeriodInMilliseconds: settings.expiryMs }),
    maxSize: settings.maxBytes,
    // Same-origin only (the web proxies /files/): no Access-Control-Allow-Origin at all.
    allowedOrigins: [],
    namingFunction: (req) => ctxOf(req).uploadId as string,
    getFileIdFromRequest: (req) => ctxOf(req).uploadId,
    generateUrl: (req, { path, id }) => `${ctxOf(req).origin}${path}/${id}`,
    onUploadFinish: async (req, upload: Upload) => {
      const ctx = ctxOf(req);
      if (!ctx.row) throw new Error('finished upload without its row');
      await finishUpload(settings, ctx.row);
      app.videoFiles?.invalidate(ctx.row.video_id);
      app.videoRows?.invalidate(ctx.row.video_id);
      uploadBytes.inc(upload.size ?? 0);
      return {};
    },
    // Exceptions from our hooks (an AppError, or a database error: 503/500) keep their meaning;
    // @tus/server's own protocol answers are plain objects and are mapped by fromTusError.
    onResponseError: (req, err) => {
      if (!(err instanceof Error)) return undefined;
      const appErr = toAppError(err);
      const ctx = contexts.get(req);
      if (ctx) ctx.error = appErr;
      return { status_code: appErr.statusCode, body: appErr.message };
    },
  });

  /** Hands the request to @tus/server; its error answers become ours (thrown), its success is returned. */
  async function callTus(request: FastifyRequest, reply: FastifyReply, ctx: TusContext, withBody: boolean): Promise<Response> {
    const webReq = toWebRequest(request, TUS_PATH, ctx.uploadId, withBody);
    contexts.set(webReq, ctx);
    const res = await tus.handleWeb(webReq);
    if (res.status < 400) return res;
    const body = await res.text();
    if (ctx.error) throw ctx.error;
    if (withBody && !request.raw.complete) {
      // A client that went away mid-body: nobody reads this answer; what arrived is kept for a resume.
      if (request.raw.destroyed || request.raw.socket?.destroyed) {
        uploadFailures.inc({ reason: 'aborted' });
        throw badRequest('the upload was interrupted: send HEAD to learn the offset and resume');
      }
      // Refused before the body was read (a stale Upload-Offset is 409, which tus clients retry
      // after a HEAD): the rest of the body is discarded and the connection closed after the answer.
      discardBody(request);
      reply.header('connection', 'close');
    }
    throw fromTusError(res.status, body);
  }

  const runTus = async (request: FastifyRequest, reply: FastifyReply, ctx: TusContext, withBody: boolean) =>
    sendTus(reply, await callTus(request, reply, ctx, withBody));

  function checkTusResumable(request: FastifyRequest): void {
    const v = request.headers['tus-resumable'];
    if (v !== TUS_VERSION) throw new TusVersionError(typeof v === 'string' ? v : undefined);
  }

  async function sessionUser(request: FastifyRequest): Promise<SessionUser> {
    checkTusResumable(request);
    return requireSession(db, sessionIdFromHeaders(request.headers), settings.now());
  }

  // Bodies are never parsed here: PATCH bytes go to the store as a stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'OPTIONS') reply.header('tus-resumable', TUS_VERSION);
    return payload;
  });

  const limit = limitConnections(app.connectionLimiter, app.transferGuard);

  // Creation: every check passes before the upload exists.
  async function create(request: FastifyRequest, reply: FastifyReply) {
    const user = await sessionUser(request);
    if (request.headers['content-type'] === 'application/offset+octet-stream') {
      throw badRequest('creation-with-upload is not supported: create the upload, then PATCH its bytes');
    }
    const creation = parseCreation(request.headers);
    await requireFreeDisk(config.video_dir, config.min_free_disk_mb);
    const uploadId = newUploadId();
    const row = await createUploadRecord(settings, user, creation, uploadId);
    const ctx: TusContext = { uploadId, row, origin: publicOrigin(request.headers) };
    try {
      return await runTus(request, reply, ctx, false);
    } catch (err) {
      // Nothing of a refused creation stays behind.
      await discardUpload(settings, uploadId);
      throw err;
    }
  }

  // The collection answers with and without the trailing slash (tus clients and proxies use both).
  for (const url of [TUS_PATH, `${TUS_PATH}/`]) {
    app.options(url, { schema: { response: TusResponses } }, async (request, reply) =>
      runTus(request, reply, { origin: '' }, false),
    );
    app.post(url, { schema: { response: TusResponses } }, create);
  }
  app.options(`${TUS_PATH}/*`, { schema: { params: UploadParamsSchema, response: TusResponses } }, async (request, reply) =>
    runTus(request, reply, { origin: '' }, false),
  );

  app.head(`${TUS_PATH}/*`, { schema: { params: UploadParamsSchema, response: TusResponses } }, async (request, reply) => {
    const user = await sessionUser(request);
    const row = await requireOwnUpload(settings, user, request.params['*']);
    reply.header('cache-control', 'no-store');
    if (row.state === 'done') {
      // Everything arrived and was placed; a client whose last answer was lost finishes here.
      reply.headers({ 'upload-offset': row.size, 'upload-length': row.size });
      return sendEmpty(reply, 200);
    }
    reply.header('upload-expires', new Date(row.expires_at).toUTCString());
    return runTus(request, reply, { uploadId: row.id, row, origin: '' }, false);
  });

  app.patch(
    `${TUS_PATH}/*`,
    { schema: { params: UploadParamsSchema, response: TusResponses }, onRequest: limit },
    async (request, reply) => {
      const user = await sessionUser(request);
      const row = await requireOwnUpload(settings, user, request.params['*']);
      if (request.headers['content-type'] !== 'application/offset+octet-stream') {
        throw unsupportedMediaType('a PATCH body must be Content-Type: application/offset+octet-stream');
      }
      const offset = request.headers['upload-offset'];
      if (typeof offset !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(offset)) {
        throw badRequest('Upload-Offset must be a non-negative integer');
      }
      if (row.state === 'done') throw conflict('the upload is complete: nothing more to send');
      opts.uploads.take(user.user_id, reply.raw);
      await requireFreeDisk(config.video_dir, config.min_free_disk_mb);
      return runTus(request, reply, { uploadId: row.id, row, origin: '' }, true);
    },
  );

  app.delete(`${TUS_PATH}/*`, { schema: { params: UploadParamsSchema, response: TusResponses } }, async (request, reply) => {
    const user = await sessionUser(request);
    const row = await requireOwnUpload(settings, user, request.params['*']);
    if (row.state === 'done') throw conflict('the upload is complete: delete the video instead');
    const res = await callTus(request, reply, { uploadId: row.id, row, origin: '' }, false);
    await discardUpload(settings, row.id);
    return sendTus(reply, res);
  });
};
