import { constants } from 'node:fs';
import http from 'node:http';
import { access, mkdir } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { baseServerOptions, commonPlugin, connectDatabase, pingDatabase, registerHealth, type Config, type Db } from '@video/shared';
import { LocalLimiter, type ConnectionLimiter } from './lib/connection-limiter.js';
import { createFastPath, type FastPath } from './lib/fast-path.js';
import { OpenFileCache } from './lib/open-file-cache.js';
import { TransferGuard } from './lib/transfer-guard.js';
import { UserUploadSlots } from './lib/user-upload-slots.js';
import { subscribeVideoChanged } from './lib/video-changed-subscriber.js';
import { VideoRowCache } from './lib/video-row-cache.js';
import { internalRoute } from './routes/internal-route.js';
import { testpageRoute } from './routes/testpage-route.js';
import { uploadRoute } from './routes/upload-route.js';
import { videosRoute } from './routes/videos-route.js';
import { tusPlugin } from './tus/tus-plugin.js';

export { holdSlot, limitConnections, LocalLimiter, type ConnectionLimiter } from './lib/connection-limiter.js';
export { sniffVideo, SNIFF_BYTES } from './lib/video-sniff.js';
export { placeVideoFile, sniffVideoFile, tempUploadPath, videoPath, writeTempUpload } from './lib/video-store.js';

export interface AppDeps {
  /** An open, migrated database; when absent the app opens config.database_url and closes it on close. */
  db?: Db;
  /** Overrides the logger options (tests). */
  logger?: boolean;
  /** The connection limiter; a cluster worker passes one that asks the primary. Default: this process's own. */
  limiter?: ConnectionLimiter;
  /** How long a live video row is reused by the streaming path (default 1000 ms; 0 = always ask the database). */
  rowCacheMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The one limit on requests in flight; feature plugins add their routes to it (limitConnections). */
    connectionLimiter: ConnectionLimiter;
    /** Shared descriptors of served files; call invalidate(id) after replacing a file. */
    videoFiles: OpenFileCache;
    /** Cached live video rows of the streaming path; call invalidate(id) after changing a row. */
    videoRows: VideoRowCache;
    /** Per-address caps and the minimum transfer rate (lib/transfer-guard.ts). */
    transferGuard: TransferGuard;
    /** Requests the streaming fast path answered (lib/fast-path.ts). */
    fastPathServed(): number;
  }
}

/** Builds the streamserver service without listening. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  // No whole-request deadline: a large upload on a slow link may take hours. Headers must still
  // arrive within Node's headersTimeout, and a socket idle for connectionTimeout is closed.
  const db = deps.db ?? connectDatabase(config.database_url);
  const limiter = deps.limiter ?? new LocalLimiter(config.stream_max_connections);
  const files = new OpenFileCache(config.video_dir);
  const rows = new VideoRowCache(db, deps.rowCacheMs ?? 1000);
  const uploads = new UserUploadSlots(config.upload_max_per_user);
  const guard = new TransferGuard(config.stream_max_per_address, config.min_transfer_kbps, config.min_transfer_grace_seconds * 1000, config.trusted_proxies ?? ['loopback']);
  // Set once the app exists; until then (and while closing) every request goes through Fastify.
  let fastPath: FastPath | undefined;
  const options = baseServerOptions(config, 'streamserver', { requestTimeout: 0, ...(deps.logger === false ? { logger: false } : {}) });
  const app = Fastify({
    ...options,
    // The server Fastify would make, with the streaming fast path in front (lib/fast-path.ts).
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        if (fastPath === undefined || !fastPath.handle(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
      server.requestTimeout = options.requestTimeout ?? 0;
      server.setTimeout(options.connectionTimeout ?? 0);
      return server;
    },
  });
  if (!deps.db) app.addHook('onClose', async () => db.close());
  await mkdir(config.video_dir, { recursive: true });
  app.decorate('connectionLimiter', limiter);
  app.decorate('videoFiles', files);
  app.decorate('videoRows', rows);
  app.decorate('transferGuard', guard);
  files.watch((err) => app.log.warn({ err }, 'cannot watch video_dir: a changed file may be served for up to a second'));
  app.addHook('onClose', async () => {
    files.unwatch();
    files.clear();
    guard.close();
  });
  app.addHook('preClose', async () => {
    fastPath = undefined;
  });
  if (config.redis_url !== '') {
    const unsubscribe = await subscribeVideoChanged(config.redis_url, app.log, (id) => rows.invalidate(id));
    app.addHook('onClose', unsubscribe);
  }

  await app.register(commonPlugin, { service: 'streamserver', metricsToken: config.metrics_token });
  app.addHook('onSend', async (_request, reply, payload) => {
    uploads.settle(reply.raw);
    return payload;
  });
  registerHealth(app, async () => {
    await pingDatabase(db);
    await access(config.video_dir, constants.W_OK);
  });
  await app.register(videosRoute, { config, limiter, files, rows, guard });
  await app.register(uploadRoute, { config, db, limiter, files, rows, uploads, guard });
  await app.register(testpageRoute);
  await app.register(internalRoute, { config, rows });
  // feature plugins
  await app.register(tusPlugin, { config, db, uploads });
  if (config.storage_type === 'local') {
    const fast = createFastPath({ limiter, files, rows, log: app.log, guard });
    fastPath = fast;
    app.decorate('fastPathServed', () => fast.served);
  } else app.decorate('fastPathServed', () => 0);
  return app;
}
