import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { uploadBytes, type Config } from '@video/shared';
import { requireUploader } from '../http/session-hook.js';
import { limitConnections, type ConnectionLimiter } from '../limits/connection-limiter.js';
import type { TransferGuard } from '../limits/transfer-guard.js';
import type { UserUploadSlots } from './user-upload-slots.js';
import type { OpenFileCache } from '@video/shared/files';
import type { VideoRowCache } from '../media/video-row-cache.js';
import { acceptUpload } from './upload-service.js';
import { ErrorSchema, UploadResponseSchema, VideoParamsSchema } from '../http/schemas.js';

export interface UploadRouteOptions {
  config: Config;
  limiter: ConnectionLimiter;
  files: OpenFileCache;
  rows: VideoRowCache;
  uploads: UserUploadSlots;
  guard?: TransferGuard;
}

export const uploadRoute: FastifyPluginAsyncTypebox<UploadRouteOptions> = async (app, opts) => {
  const { config } = opts;
  const maxBytes = config.max_upload_mb * 1024 * 1024;
  const service = { config, db: app.db, files: opts.files, rows: opts.rows, uploads: opts.uploads };

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
      const user = await requireUploader(request);
      const size = await acceptUpload(service, request, reply, user, id);
      uploadBytes.inc(size);
      return reply.code(201).send({ success: true as const, id, size });
    },
  );
};
