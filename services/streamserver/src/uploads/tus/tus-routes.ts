import type { Server } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, conflict, unsupportedMediaType, type Config, type SessionUser } from '@video/shared';
import { requireUploader } from '../../http/session-hook.js';
import { limitConnections } from '../../limits/connection-limiter.js';
import { requireFreeDisk } from '../disk-floor.js';
import type { UserUploadSlots } from '../user-upload-slots.js';
import type { TusContext, TusContextStore } from './tus-context.js';
import { TUS_VERSION, TusVersionError } from './tus-errors.js';
import { TusResponses, UploadParamsSchema } from './tus-schemas.js';
import { callTus, TUS_PATH } from './tus-server.js';
import { createUploadRecord, discardUpload, newUploadId, parseCreation, requireOwnUpload, type TusSettings } from './tus-service.js';
import { publicOrigin, sendEmpty, sendTus } from './tus-web-request.js';

/** What the tus handlers share: the contract's settings, the upload slots, @tus/server and its contexts. */
export interface TusRuntime {
  config: Config;
  settings: TusSettings;
  uploads: UserUploadSlots;
  tus: Server;
  contexts: TusContextStore;
}

type Handler = (rt: TusRuntime, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type UploadRequest = FastifyRequest<{ Params: { '*': string } }>;

const runTus = async (rt: TusRuntime, request: FastifyRequest, reply: FastifyReply, ctx: TusContext, withBody: boolean) =>
  sendTus(reply, await callTus(rt.tus, rt.contexts, request, reply, ctx, withBody));

function checkTusResumable(request: FastifyRequest): void {
  const v = request.headers['tus-resumable'];
  if (v !== TUS_VERSION) throw new TusVersionError(typeof v === 'string' ? v : undefined);
}

async function sessionUser(rt: TusRuntime, request: FastifyRequest): Promise<SessionUser> {
  checkTusResumable(request);
  return requireUploader(request, rt.settings.now());
}

/** Creation: every check passes before the upload exists. */
async function create(rt: TusRuntime, request: FastifyRequest, reply: FastifyReply) {
  const user = await sessionUser(rt, request);
  if (request.headers['content-type'] === 'application/offset+octet-stream') {
    throw badRequest('creation-with-upload is not supported: create the upload, then PATCH its bytes');
  }
  const creation = parseCreation(request.headers);
  await requireFreeDisk(rt.config.video_dir, rt.config.min_free_disk_mb);
  const uploadId = newUploadId();
  const row = await createUploadRecord(rt.settings, user, creation, uploadId);
  const ctx: TusContext = { uploadId, row, origin: publicOrigin(request.headers) };
  try {
    return await runTus(rt, request, reply, ctx, false);
  } catch (err) {
    // Nothing of a refused creation stays behind.
    await discardUpload(rt.settings, uploadId);
    throw err;
  }
}

async function head(rt: TusRuntime, request: UploadRequest, reply: FastifyReply) {
  const user = await sessionUser(rt, request);
  const row = await requireOwnUpload(rt.settings, user, request.params['*']);
  reply.header('cache-control', 'no-store');
  if (row.state === 'done') {
    // Everything arrived and was placed; a client whose last answer was lost finishes here.
    reply.headers({ 'upload-offset': row.size, 'upload-length': row.size });
    return sendEmpty(reply, 200);
  }
  reply.header('upload-expires', new Date(row.expires_at).toUTCString());
  return runTus(rt, request, reply, { uploadId: row.id, row, origin: '' }, false);
}

async function patch(rt: TusRuntime, request: UploadRequest, reply: FastifyReply) {
  const user = await sessionUser(rt, request);
  const row = await requireOwnUpload(rt.settings, user, request.params['*']);
  if (request.headers['content-type'] !== 'application/offset+octet-stream') {
    throw unsupportedMediaType('a PATCH body must be Content-Type: application/offset+octet-stream');
  }
  const offset = request.headers['upload-offset'];
  if (typeof offset !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(offset)) {
    throw badRequest('Upload-Offset must be a non-negative integer');
  }
  if (row.state === 'done') throw conflict('the upload is complete: nothing more to send');
  rt.uploads.take(user.user_id, reply.raw);
  await requireFreeDisk(rt.config.video_dir, rt.config.min_free_disk_mb);
  return runTus(rt, request, reply, { uploadId: row.id, row, origin: '' }, true);
}

async function terminate(rt: TusRuntime, request: UploadRequest, reply: FastifyReply) {
  const user = await sessionUser(rt, request);
  const row = await requireOwnUpload(rt.settings, user, request.params['*']);
  if (row.state === 'done') throw conflict('the upload is complete: delete the video instead');
  const res = await callTus(rt.tus, rt.contexts, request, reply, { uploadId: row.id, row, origin: '' }, false);
  await discardUpload(rt.settings, row.id);
  return sendTus(reply, res);
}

const options: Handler = (rt, request, reply) => runTus(rt, request, reply, { origin: '' }, false);

/** The tus routes under TUS_PATH; PATCH (the bytes) counts against the connection limit. */
export function registerTusRoutes(app: FastifyInstance, rt: TusRuntime): void {
  const bind = (handler: Handler) => (request: FastifyRequest, reply: FastifyReply) => handler(rt, request, reply);
  const bindUpload = (handler: (rt: TusRuntime, request: UploadRequest, reply: FastifyReply) => Promise<unknown>) =>
    (request: UploadRequest, reply: FastifyReply) => handler(rt, request, reply);
  const collection = { schema: { response: TusResponses } };
  const upload = { schema: { params: UploadParamsSchema, response: TusResponses } };
  // The collection answers with and without the trailing slash (tus clients and proxies use both).
  for (const url of [TUS_PATH, `${TUS_PATH}/`]) {
    app.options(url, collection, bind(options));
    app.post(url, collection, bind(create));
  }
  app.options(`${TUS_PATH}/*`, upload, bind(options));
  app.head(`${TUS_PATH}/*`, upload, bindUpload(head));
  app.patch<{ Params: { '*': string } }>(`${TUS_PATH}/*`, { ...upload, onRequest: limitConnections(app.connectionLimiter, app.transferGuard) }, bindUpload(patch));
  app.delete(`${TUS_PATH}/*`, upload, bindUpload(terminate));
}
