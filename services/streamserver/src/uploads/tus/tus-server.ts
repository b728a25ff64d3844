import { FileStore } from '@tus/file-store';
import { Server, type Locker, type Upload } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, toAppError, uploadBytes, uploadFailures } from '@video/shared';
import type { TusContext, TusContextStore } from './tus-context.js';
import { fromTusError } from './tus-errors.js';
import { finishUpload, type TusSettings } from './tus-service.js';
import { toWebRequest } from './tus-web-request.js';

export const TUS_PATH = '/files';

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

/**
 * @tus/server over the store in `directory`, its hooks reading each request's context: the upload
 * id chosen before, the row to finish, the public origin for Location.
 */
export function createTusServer(app: FastifyInstance, settings: TusSettings, contexts: TusContextStore, directory: string, locker?: Locker): Server {
  return new Server({
    // Several stream servers on one video_dir share locks through Redis (redis-locker.ts); one
    // instance alone keeps @tus/server's in-process locker.
    ...(locker ? { locker } : {}),
    path: TUS_PATH,
    datastore: new VideoFileStore({ directory, expirationPeriodInMilliseconds: settings.expiryMs }),
    maxSize: settings.maxBytes,
    // Same-origin only (the web proxies /files/): no Access-Control-Allow-Origin at all.
    allowedOrigins: [],
    namingFunction: (req) => contexts.of(req).uploadId as string,
    getFileIdFromRequest: (req) => contexts.of(req).uploadId,
    generateUrl: (req, { path, id }) => `${contexts.of(req).origin}${path}/${id}`,
    onUploadFinish: async (req, upload: Upload) => {
      const ctx = contexts.of(req);
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
      const ctx = contexts.find(req);
      if (ctx) ctx.error = appErr;
      return { status_code: appErr.statusCode, body: appErr.message };
    },
  });
}

/** Reads and drops what is left of a request body nobody will use, so the answer reaches the client. */
function discardBody(request: FastifyRequest): void {
  request.raw.removeAllListeners('data');
  request.raw.on('data', () => undefined);
  request.raw.resume();
}

/** Hands the request to @tus/server; its error answers become ours (thrown), its success is returned. */
export async function callTus(
  tus: Server,
  contexts: TusContextStore,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: TusContext,
  withBody: boolean,
): Promise<Response> {
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
