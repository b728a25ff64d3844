import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import type { Config } from '@video/shared/config';
import { baseServerOptions, commonPlugin, registerHealth } from '@video/shared/http';
import { ApiGateway } from './auth/api-gateway.js';
import { assetsPlugin } from './pages/assets-plugin.js';
import { edgePlugin } from './edge/edge-plugin.js';
import { proxyPlugin } from './proxy/proxy-plugin.js';
import { authRoutes } from './auth/auth-routes.js';
import { registerOtherSignIns } from './auth/other-signins.js';
import { legacyApiRoutes } from './proxy/legacy-api-routes.js';
import { pagesRoutes } from './pages/pages-routes.js';
import { settingsPagesRoutes } from './pages/settings-pages-routes.js';
import { reportsPagesRoutes } from './pages/reports-pages-routes.js';
import { StreamSlots } from './proxy/stream-slots.js';
import { UpstreamClient } from './proxy/upstream-client.js';
import { createVideoPassthrough, type VideoPassthrough } from './proxy/video-passthrough.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Video reads the pass-through relayed (video-passthrough.ts). */
    videoPassthroughServed(): number;
    /** Of those, the files the web sent from its own video_dir (local-files.ts). */
    videoLocalSent(): number;
    /** Stream slots held now (stream-slots.ts). */
    streamSlotsUsed(): number;
  }
}

export interface WebDeps {
  /** Overrides the logger options (tests). */
  logger?: boolean;
  /** The folder holding the page templates and statics/ (defaults to the repository's templates/). */
  templatesDir?: string;
  /** How long a proxied upstream may take to start answering (default 30 s; tests shorten it). */
  proxyHeadersTimeoutMs?: number;
}

export const DEFAULT_TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates');

/** The server Fastify would make, with the video pass-through in front (video-passthrough.ts). */
function createServer(options: ReturnType<typeof baseServerOptions>, listener: http.RequestListener): http.Server {
  const server = http.createServer(listener);
  server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
  server.requestTimeout = options.requestTimeout ?? 0;
  server.setTimeout(options.connectionTimeout ?? 0);
  return server;
}

/** The pages, the sign-in routes and the original's POST /api envelope. */
async function registerPages(app: FastifyInstance, config: Config, api: ApiGateway): Promise<void> {
  await app.register(pagesRoutes, { config, api });
  await app.register(settingsPagesRoutes, { config, api });
  await app.register(reportsPagesRoutes, { config, api });
  await app.register(authRoutes, { config, api });
  await app.register(legacyApiRoutes, { api });
  await registerOtherSignIns(app, config, api);
}

/** Builds the web service (pages and the proxy to the other three) without listening. */
export async function buildApp(config: Config, deps: WebDeps = {}): Promise<FastifyInstance> {
  const options = baseServerOptions(config, 'web', {
    ...(deps.logger === false ? { logger: false } : {}),
    // An upload through the proxy may take as long as the client's link needs; headers still have
    // to arrive within Node's headersTimeout, which keeps the slow-loris guard.
    requestTimeout: 0,
  });
  // Set once the app is built; until then (and while closing) every request goes through Fastify.
  let passthrough: VideoPassthrough | undefined;
  const app = Fastify({
    ...options,
    serverFactory: (handler) =>
      createServer(options, (req, res) => {
        if (passthrough === undefined || !passthrough.handle(req, res)) handler(req, res);
      }),
  });
  const templatesDir = deps.templatesDir ?? DEFAULT_TEMPLATES_DIR;
  const apiClient = new UpstreamClient('api', config.api_url);
  const streamClient = new UpstreamClient('stream', config.stream_url);
  const api = new ApiGateway(apiClient);
  app.addHook('onClose', async () => {
    await Promise.all([apiClient.close(), streamClient.close()]);
  });

  await app.register(commonPlugin, { service: 'web' });
  await app.register(edgePlugin, { config });
  await app.register(fastifyCookie);
  await app.register(assetsPlugin, { templatesDir });

  // The web can always serve its pages (with a friendly notice when a dependency is down), so its
  // health is its own; the dependencies' reachability is reported beside it for operators.
  registerHealth(app, async () => {
    const [apiOk, streamOk] = await Promise.all([apiClient.healthy(), streamClient.healthy()]);
    return { api: apiOk ? 'ok' : 'unavailable', stream: streamOk ? 'ok' : 'unavailable' };
  });

  await registerPages(app, config, api);
  const slots = new StreamSlots(config.stream_max_connections);
  const headersTimeoutMs = deps.proxyHeadersTimeoutMs ?? 30_000;
  await app.register(proxyPlugin, { config, headersTimeoutMs, slots });
  const relay = createVideoPassthrough({
    streamUrl: config.stream_url,
    slots,
    trustedProxies: config.trusted_proxies ?? ['loopback'],
    hsts: config.cookie_secure,
    headersTimeoutMs,
    log: app.log,
    local: config.web_serve_local_files && config.stream_accel_redirect_prefix !== '' ? { prefix: config.stream_accel_redirect_prefix, videoDir: config.video_dir } : undefined,
  });
  passthrough = relay;
  app.decorate('videoPassthroughServed', () => relay.served);
  app.decorate('videoLocalSent', () => relay.localSent);
  app.decorate('streamSlotsUsed', () => slots.used);
  app.addHook('preClose', async () => {
    passthrough = undefined;
  });
  app.addHook('onClose', async () => relay.close());
  return app;
}
