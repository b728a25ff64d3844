import { constants } from 'node:fs';
import http from 'node:http';
import { access, mkdir } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { baseServerOptions, commonPlugin, databasePlugin, decorateTokenKeys, pingDatabase, registerHealth, type Config, type Db, type TokenKeys } from '@video/shared';
import { LocalLimiter, type ConnectionLimiter } from './limits/connection-limiter.js';
import { createFastPath, type FastPath } from './media/fast-path.js';
import { AccelRedirect } from './media/accel-redirect.js';
import { OpenFileCache } from '@video/shared/files';
import { TransferGuard } from './limits/transfer-guard.js';
import { UserUploadSlots } from './uploads/user-upload-slots.js';
import { subscribeVideoChanged } from './internal/video-changed-subscriber.js';
import { VideoRowCache } from './media/video-row-cache.js';
import { internalRoute } from './internal/internal-route.js';
import { testpageRoute } from './media/testpage-route.js';
import { uploadRoute } from './uploads/upload-route.js';
import { videosRoute } from './media/videos-route.js';
import { captionsRoute } from './derived/captions-route.js';
import { derivedResolver, derivedRoute } from './derived/derived-route.js';
import { tusPlugin } from './uploads/tus/tus-plugin.js';

export { holdSlot, limitConnections, LocalLimiter, type ConnectionLimiter } from './limits/connection-limiter.js';
export { sniffVideo, SNIFF_BYTES } from './uploads/video-sniff.js';
export { placeVideoFile, sniffVideoFile, tempUploadPath, videoPath, writeTempUpload } from './uploads/video-store.js';

export interface AppDeps {
  /** An open, migrated database, left open at close; when absent the app opens and migrates config.database_url and closes it on close. */
  db?: Db;
  /** Overrides the logger options (tests). */
  logger?: boolean;
  /** The connection limiter; a cluster worker passes one that asks the primary. Default: this process's own. */
  limiter?: ConnectionLimiter;
  /** How long a live video row is reused by the streaming path (default 1000 ms; 0 = always ask the database). */
  rowCacheMs?: number;
  /** The access-token keys (main loads them first); when absent they come from config.jwt_private_key. */
  tokenKeys?: TokenKeys;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The one limit on requests in flight; feature plugins add their routes to it (limitConnections). */
    connectionLimiter: ConnectionLimiter;
    /** Shared descriptors of served files; call invalidate(id) after replacing a file. */
    videoFiles: OpenFileCache;
    /** Shared descriptors of derived files (video_dir/.media/…), let go after a minute unused. */
    derivedFiles: OpenFileCache;
    /** Cached live video rows of the streaming path; call invalidate(id) after changing a row. */
    videoRows: VideoRowCache;
    /** Per-address caps and the minimum transfer rate (limits/transfer-guard.ts). */
    transferGuard: TransferGuard;
    /** Requests the streaming fast path answered (media/fast-path.ts). */
    fastPathServed(): number;
  }
}

/** How long an unused derived file's descriptor stays open, and how often that is looked at. */
const DERIVED_IDLE_MS = 60_000;
const DERIVED_SWEEP_MS = 10_000;

/** Set once the app exists; until then (and while closing) every request goes through Fastify. */
interface FastPathGate {
  fastPath?: FastPath;
}

/** The Fastify instance on the server Fastify would make, with the streaming fast path in front. */
function createInstance(config: Config, deps: AppDeps, gate: FastPathGate): FastifyInstance {
  // No whole-request deadline: a large upload on a slow link may take hours. Headers must still
  // arrive within Node's headersTimeout, and a socket idle for connectionTimeout is closed.
  const options = baseServerOptions(config, 'streamserver', { requestTimeout: 0, ...(deps.logger === false ? { logger: false } : {}) });
  return Fastify({
    ...options,
    // media/fast-path.ts answers what it can before the framework sees the request.
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        if (gate.fastPath === undefined || !gate.fastPath.handle(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
      server.requestTimeout = options.requestTimeout ?? 0;
      server.setTimeout(options.connectionTimeout ?? 0);
      return server;
    },
  });
}

/** The shared state of the streaming path, decorated on the app and released when it closes. */
async function decorateStreaming(app: FastifyInstance, config: Config, deps: AppDeps, gate: FastPathGate): Promise<void> {
  const files = new OpenFileCache(config.video_dir);
  // A generation never changes once installed, but an old one is removed: its descriptors must not
  // keep the space (no watch covers the folders under .media).
  const derived = new OpenFileCache(config.video_dir);
  const sweep = setInterval(() => derived.closeIdle(DERIVED_IDLE_MS), DERIVED_SWEEP_MS).unref();
  const rows = new VideoRowCache(app.db, deps.rowCacheMs ?? 1000);
  const guard = new TransferGuard(config.stream_max_per_address, config.min_transfer_kbps, config.min_transfer_grace_seconds * 1000, config.trusted_proxies ?? ['loopback']);
  await mkdir(config.video_dir, { recursive: true });
  app.decorate('connectionLimiter', deps.limiter ?? new LocalLimiter(config.stream_max_connections));
  app.decorate('videoFiles', files);
  app.decorate('derivedFiles', derived);
  app.decorate('videoRows', rows);
  app.decorate('transferGuard', guard);
  files.watch((err) => app.log.warn({ err }, 'cannot watch video_dir: a changed file may be served for up to a second'));
  app.addHook('onClose', async () => {
    files.unwatch();
    files.clear();
    clearInterval(sweep);
    derived.clear();
    guard.close();
  });
  app.addHook('preClose', async () => {
    gate.fastPath = undefined;
  });
  if (config.redis_url !== '') {
    const unsubscribe = await subscribeVideoChanged(config.redis_url, app.log, (id) => rows.invalidate(id));
    app.addHook('onClose', unsubscribe);
  }
}

/** Builds the streamserver service without listening. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const gate: FastPathGate = {};
  const app = createInstance(config, deps, gate);
  decorateTokenKeys(app, config, deps.tokenKeys);
  await app.register(databasePlugin, { url: config.database_url, redisUrl: config.redis_url, db: deps.db });
  await decorateStreaming(app, config, deps, gate);
  const { connectionLimiter: limiter, videoFiles: files, videoRows: rows, transferGuard: guard } = app;
  const uploads = new UserUploadSlots(config.upload_max_per_user);

  await app.register(commonPlugin, { service: 'streamserver', metricsToken: config.metrics_token });
  app.addHook('onSend', async (_request, reply, payload) => {
    uploads.settle(reply.raw);
    return payload;
  });
  registerHealth(app, async () => {
    await pingDatabase(app.db);
    await access(config.video_dir, constants.W_OK);
  });
  const accel = AccelRedirect.fromConfig(config);
  await app.register(videosRoute, { config, limiter, files, rows, guard, accel });
  await app.register(derivedRoute, { limiter, files: app.derivedFiles, rows, guard, config, accel });
  await app.register(captionsRoute, { limiter, rows, guard });
  await app.register(uploadRoute, { config, limiter, files, rows, uploads, guard });
  await app.register(testpageRoute);
  await app.register(internalRoute, { config, rows });
  // feature plugins
  await app.register(tusPlugin, { config, uploads });
  if (config.storage_type === 'local') {
    const fast = createFastPath({ limiter, files, rows, log: app.log, guard, accel, resolvers: [derivedResolver(app.derivedFiles, rows)] });
    gate.fastPath = fast;
    app.decorate('fastPathServed', () => fast.served);
  } else app.decorate('fastPathServed', () => 0);
  return app;
}
