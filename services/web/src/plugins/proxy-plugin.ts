import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import type { Config } from '@video/shared';
import { CONNECT_TIMEOUT_MS } from '../upstream-client.js';
import { requestSessionId } from '../session-cookie.js';

type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

interface ProxyRoute {
  prefix: string;
  upstream: string;
  /** Path on the upstream that replaces `prefix` (the api's routes sit at its root). */
  rewritePrefix: string;
  methods: HttpMethod[];
  /** Streams (videos, uploads) may idle for long: a paused player stops reading. */
  bodyTimeoutMs: number;
  /** How long the upstream may take to start its answer once the request began; 0 = no limit. */
  headersTimeoutMs: number;
  websocket?: boolean;
}

function basePath(url: string): string {
  return new URL(url).pathname.replace(/\/+$/, '');
}

/**
 * Headers the upstream sees: the session cookie becomes X-Session-Id (unless the caller sent one), and
 * X-Forwarded-For is set to the address the web itself saw. The web is the edge, so a client-supplied
 * X-Forwarded-For is replaced rather than trusted (it would let anyone dodge per-address limits).
 */
export function rewriteUpstreamHeaders(
  request: FastifyRequest,
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const out = { ...headers };
  const sessionId = requestSessionId(request);
  if (sessionId && !out['x-session-id']) out['x-session-id'] = sessionId;
  out['x-forwarded-for'] = request.ip;
  out['x-forwarded-proto'] = request.protocol;
  if (request.headers.host) out['x-forwarded-host'] = request.headers.host;
  out['x-request-id'] = String(request.id);
  return out;
}

/** Any failure to reach an upstream is the contract's 503 011, never a hang or a bare 500. */
function onProxyError(name: string) {
  return (reply: FastifyReply, { error }: { error: Error & { cause?: unknown } }) => {
    reply.request.log.warn({ err: error.cause ?? error, upstream: name }, 'upstream unavailable');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    // The client may still be sending a body nobody will read (an upload): close the connection after
    // this answer, or the next request on it would wait behind those bytes for ever.
    if (!reply.request.raw.complete) reply.header('connection', 'close');
    reply
      .code(503)
      .header('content-type', 'application/json; charset=utf-8')
      .header('retry-after', '5')
      .send({ error: `the ${name} service is unavailable, try again shortly`, error_code: '011' });
  };
}

async function registerProxy(app: FastifyInstance, name: string, route: ProxyRoute): Promise<void> {
  const options = {
    upstream: new URL(route.upstream).origin,
    prefix: route.prefix,
    rewritePrefix: route.rewritePrefix,
    // Only `prefix/*`: the bare `/api` belongs to the legacy envelope route.
    routes: ['/*'],
    httpMethods: route.methods,
    websocket: route.websocket ?? false,
    // A proxied WebSocket (live danmaku) carries the same identity as a proxied request.
    wsClientOptions: {
      rewriteRequestHeaders: (headers: Record<string, string>, request: FastifyRequest) => {
        const out: Record<string, string> = { ...headers, 'x-forwarded-for': request.ip };
        const sessionId = requestSessionId(request);
        if (sessionId) out['x-session-id'] = sessionId;
        if (request.headers.cookie) out.cookie = request.headers.cookie;
        return out;
      },
    },
    undici: {
      connections: 128,
      pipelining: 1,
      connect: { timeout: CONNECT_TIMEOUT_MS, rejectUnauthorized: true },
      headersTimeout: route.headersTimeoutMs,
      bodyTimeout: route.bodyTimeoutMs,
    },
    replyOptions: {
      rewriteRequestHeaders: (request, headers) => rewriteUpstreamHeaders(request as FastifyRequest, headers),
      onError: onProxyError(name) as never,
      // No retries: a 503 from upstream or a refused connection is reported at once.
      retryDelay: () => null,
    },
  } as FastifyHttpProxyOptions;
  await app.register(httpProxy, options);
}

/**
 * The reverse proxy: /api/* to the api (prefix removed), /videos/* and /upload/* (and the resumable
 * /files/*) to the stream server. Bodies pass through as streams: http-proxy installs a pass-through
 * content-type parser in its own scope, so nothing here reads or buffers an upload.
 */
export interface ProxyOptions {
  config: Config;
  /** Wait for an upstream's answer to start once the request is sent (default 30 s). */
  headersTimeoutMs?: number;
}

export async function proxyPlugin(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  const { config } = opts;
  const headersTimeoutMs = opts.headersTimeoutMs ?? 30_000;
  const apiBase = basePath(config.api_url);
  const streamBase = basePath(config.stream_url);
  await registerProxy(app, 'api', {
    prefix: '/api',
    upstream: config.api_url,
    rewritePrefix: apiBase || '/',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    bodyTimeoutMs: 60_000,
    headersTimeoutMs,
    websocket: true,
  });
  await registerProxy(app, 'stream', {
    prefix: '/videos',
    upstream: config.stream_url,
    rewritePrefix: `${streamBase}/videos`,
    methods: ['GET', 'HEAD'],
    bodyTimeoutMs: 0,
    headersTimeoutMs,
  });
  await registerProxy(app, 'stream', {
    prefix: '/upload',
    upstream: config.stream_url,
    rewritePrefix: `${streamBase}/upload`,
    methods: ['POST'],
    bodyTimeoutMs: 0,
    headersTimeoutMs,
  });
  await registerProxy(app, 'stream', {
    prefix: '/files',
    upstream: config.stream_url,
    rewritePrefix: `${streamBase}/files`,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    bodyTimeoutMs: 0,
    headersTimeoutMs,
  });
}
