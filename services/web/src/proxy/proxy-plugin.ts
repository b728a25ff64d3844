import type { FastifyInstance } from 'fastify';
import type { Config } from '@video/shared/config';
import { payloadTooLarge, tooManyRequests } from '@video/shared/contract';
import { baseServerOptions } from '@video/shared/http';
import { addWsGuard } from './ws-guard-plugin.js';
import { StreamSlots } from './stream-slots.js';
import { registerProxy } from './http-proxy.js';
import { lingerOnEarlyAnswer, tooLargeMessage } from './upstream-errors.js';

export interface ProxyOptions {
  config: Config;
  /** Wait for an upstream's answer to start once the request is sent (default 30 s). */
  headersTimeoutMs?: number;
  /** The stream-server requests in flight, shared with the video pass-through. */
  slots?: StreamSlots;
}

function basePath(url: string): string {
  return new URL(url).pathname.replace(/\/+$/, '');
}

/**
 * A declared length past the api's own limit is refused before the first byte goes out; a body that
 * declares none is stopped on the way (upstream-errors countBody).
 */
function refuseOversizedApiBodies(app: FastifyInstance, apiBodyLimit: number): void {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > apiBodyLimit) throw payloadTooLarge(tooLargeMessage('api'));
  });
}

function takeStreamSlots(app: FastifyInstance, slots: StreamSlots): void {
  app.addHook('onRequest', async (request, reply) => {
    if (/^\/(videos|upload|files)(\/|$)/.test(request.url) && !slots.tryTake(reply.raw)) {
      throw tooManyRequests(1, 'the stream service is busy, try again shortly');
    }
  });
}

async function registerStreamRoutes(app: FastifyInstance, config: Config, headersTimeoutMs: number): Promise<void> {
  const streamBase = basePath(config.stream_url);
  // One pool for the three stream routes, as large as the stream server serves at once: more would
  // only queue behind its limiter; fewer would let a few slow viewers starve everyone (streamSlots).
  const streamPool = {
    connections: config.stream_max_connections,
    bodyTimeoutMs: 0,
    headersTimeoutMs,
    upstream: config.stream_url,
  };
  await registerProxy(app, 'stream', {
    ...streamPool,
    prefix: '/videos',
    rewritePrefix: `${streamBase}/videos`,
    methods: ['GET', 'HEAD'],
  });
  await registerProxy(app, 'stream', {
    ...streamPool,
    prefix: '/upload',
    rewritePrefix: `${streamBase}/upload`,
    methods: ['POST'],
  });
  await registerProxy(app, 'stream', {
    ...streamPool,
    prefix: '/files',
    rewritePrefix: `${streamBase}/files`,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
  });
}

/**
 * The reverse proxy: /api/* to the api (prefix removed), /videos/* and /upload/* (and the resumable
 * /files/*) to the stream server. Bodies pass through as streams: http-proxy installs a pass-through
 * content-type parser in its own scope, so nothing here reads or buffers an upload.
 */
export async function proxyPlugin(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  const { config } = opts;
  const headersTimeoutMs = opts.headersTimeoutMs ?? 30_000;
  app.addHook('onSend', lingerOnEarlyAnswer);
  // The api's own limit, from the options every service starts with.
  const apiBodyLimit = baseServerOptions(config, 'api').bodyLimit ?? 1024 * 1024;
  refuseOversizedApiBodies(app, apiBodyLimit);
  takeStreamSlots(app, opts.slots ?? new StreamSlots(config.stream_max_connections));
  addWsGuard(app, { config, prefix: '/api' });
  await registerProxy(app, 'api', {
    prefix: '/api',
    upstream: config.api_url,
    rewritePrefix: basePath(config.api_url) || '/',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    bodyTimeoutMs: 60_000,
    headersTimeoutMs,
    websocket: true,
    bodyLimit: apiBodyLimit,
    connections: 128,
  });
  await registerStreamRoutes(app, config, headersTimeoutMs);
}
