import { mkdir } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tusStoreDir, type Config } from '@video/shared';
import type { UserUploadSlots } from '../user-upload-slots.js';
import { TusContextStore } from './tus-context.js';
import { TUS_VERSION } from './tus-errors.js';
import { registerTusRoutes } from './tus-routes.js';
import { createTusServer } from './tus-server.js';
import { createRedisLocker } from './redis-locker.js';
import type { TusSettings } from './tus-service.js';

export interface TusPluginOptions {
  config: Config;
  /** Concurrent uploads per user, shared with the multipart route. */
  uploads: UserUploadSlots;
  /** Unfinished-upload lifetime; default 24 h. */
  expiryMs?: number;
  /** Unfinished uploads per user; default 5. */
  maxActivePerUser?: number;
  now?: () => number;
}

export { TUS_PATH } from './tus-server.js';
export const DEFAULT_EXPIRY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_ACTIVE_PER_USER = 5;

/**
 * tus 1.0 (core, creation, termination, expiration) under /files/ with @tus/server and
 * @tus/file-store. Everything the contract decides — session, ownership, size, the per-user cap,
 * "is this a video", placing the file — happens here, around @tus/server, which keeps the protocol.
 */
export const tusPlugin: FastifyPluginAsyncTypebox<TusPluginOptions> = async (app, opts) => {
  const { config } = opts;
  const settings: TusSettings = {
    db: app.db,
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

  const contexts = new TusContextStore();
  const locker = config.redis_url ? await createRedisLocker(config.redis_url, app.log) : undefined;
  if (locker) app.addHook('onClose', async () => locker.close());
  const tus = createTusServer(app, settings, contexts, directory, locker);

  // Bodies are never parsed here: PATCH bytes go to the store as a stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'OPTIONS') reply.header('tus-resumable', TUS_VERSION);
    return payload;
  });

  registerTusRoutes(app, { config, settings, uploads: opts.uploads, tus, contexts });
};
