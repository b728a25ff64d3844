import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import type { Config } from '@video/shared/config';
import { payloadTooLarge, tooManyRequests, unavailable } from '@video/shared/contract';
import { baseServerOptions } from '@video/shared/http';
import { addWsGuard, wsHooks, WS_MAX_PAYLOAD, WS_MAX_UPSTREAM_PAYLOAD } from './ws-guard-plugin.js';
import { CONNECT_TIMEOUT_MS } from '../upstream-client.js';
import { upstreamHeaders } from '../proxy/upstream-headers.js';
import { StreamSlots } from '../stream-slots.js';

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
  /** The upstream's body limit in bytes (0: none the web knows of). */
  bodyLimit?: number;
  /** Upstream connections the web may keep open. */
  connections: number;
}

function basePath(url: string): string {
  return new URL(url).pathname.replace(/\/+$/, '');
}

/** The general proxy's upstream headers; the web has answered the client's Expect itself (edge-plugin), and undici refuses to send one. */
export function rewriteUpstreamHeaders(
  request: FastifyRequest,
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const out = upstreamHeaders(headers, request.headers, {
    ip: request.ip,
    proto: request.protocol,
    host: request.headers.host,
    requestId: String(request.id),
  });
  delete out.expect;
  return out;
}

/** Any failure to reach an upstream is the contract's 503 011, never a hang or a bare 500. */
function onProxyError(name: string) {
  return (reply: FastifyReply, { error }: { error: Error & { cause?: unknown } }) => {
    if (reply.sent || reply.raw.headersSent) {
      reply.request.log.warn({ err: error.cause ?? error, upstream: name }, 'upstream failed mid-answer');
      reply.raw.destroy();
      return;
    }
    if (overLimit.has(reply.request.raw)) {
      reply.code(413).send(payloadTooLarge(tooLargeMessage(name)).toBody());
      return;
    }
    reply.request.log.warn({ err: error.cause ?? error, upstream: name }, 'upstream unavailable');
    // The client may still be sending a body nobody will read (an upload): see lingerOnEarlyAnswer.
    reply
      .code(503)
      .header('content-type', 'application/json; charset=utf-8')
      .header('retry-after', '5')
      .send(unavailable(`the ${name} service is unavailable, try again shortly`).toBody());
  };
}

/** How long the rest of an unread request body is drained after an early answer before the web hangs up. */
export const LINGER_MS = 5000;

/**
 * An answer sent while the client is still sending its body (a refused or failed upload). Closing the
 * socket at once would leave unread bytes in the kernel, so it would send a reset that can destroy
 * the answer before the client reads it: the browser would show "connection reset" instead of the
 * 503 or 413. So the connection stays open, Node discards the rest of the body, and the next request
 * on it is answered as usual; a client still sending after LINGER_MS is cut off, by which time it has
 * long had the answer (nginx's lingering close, for the same reason).
 */
function lingerOnEarlyAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void): void {
  const raw = request.raw;
  if (!raw.complete && !raw.destroyed) {
    // reply-from asks for a close when an upstream answers early; the drain makes that unnecessary.
    if (String(reply.getHeader('connection') ?? '').toLowerCase() === 'close') reply.removeHeader('connection');
    const socket = raw.socket;
    const timer = setTimeout(() => {
      if (!raw.complete) socket.destroy();
    }, LINGER_MS);
    timer.unref();
    raw.once('end', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    // Node only discards a body nobody began to read; this one went (in part) to the upstream.
    reply.raw.once('finish', () => {
      if (!raw.complete && !raw.destroyed) {
        raw.unpipe();
        raw.resume();
      }
    });
  }
  done(null, payload);
}

/**
 * The upstream client gets a stand-in for the request body, never the client's request itself: when it
 * gives up (an upstream that refuses connections) it destroys the body it was given, and destroying
 * Node's request destroys the client's socket, often before the 503 has reached the client. A client
 * that goes away still aborts the upstream request, through the stand-in.
 */
function shieldRequestBody(bodyLimit: number) {
  return (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    const raw = request.raw;
    if (request.body === raw && !raw.complete) {
      const body = new PassThrough({ highWaterMark: 64 * 1024 });
      if (bodyLimit > 0) countBody(raw, body, bodyLimit);
      raw.pipe(body);
      raw.once('close', () => {
        if (!raw.complete) body.destroy(new Error('the client aborted its request'));
      });
      request.body = body;
    }
    done();
  };
}

/** Requests whose body passed the upstream's limit on the way (a chunked body declares no length). */
const overLimit = new WeakSet<IncomingMessage>();

function tooLargeMessage(name: string): string {
  return `the request body is larger than the ${name} service accepts`;
}

/**
 * Stops a body at the upstream's own limit. The api refuses a larger one and closes the connection
 * while the body is still being sent, which the upstream client can only report as a failed write:
 * the client would get 503 instead of the api's 413. So the web gives the 413 itself, before the
 * first byte goes out when the length is declared (see proxyPlugin), and here when it is not.
 */
function countBody(raw: IncomingMessage, body: PassThrough, limit: number): void {
  let seen = 0;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= limit) return;
    raw.off('data', onData);
    overLimit.add(raw);
    raw.unpipe(body);
    raw.resume();
    body.destroy(new Error('the request body passed the upstream limit'));
  };
  raw.on('data', onData);
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
    preHandler: shieldRequestBody(route.bodyLimit ?? 0),
    wsServerOptions: { maxPayload: WS_MAX_PAYLOAD },
    wsHooks,
    // A proxied WebSocket (live danmaku) carries the same identity as a proxied request.
    wsClientOptions: {
      maxPayload: WS_MAX_UPSTREAM_PAYLOAD,
      rewriteRequestHeaders: (headers: Record<string, string>, request: FastifyRequest) => {
        const base = request.headers.cookie ? { ...headers, cookie: request.headers.cookie } : headers;
        return upstreamHeaders(base, request.headers, { ip: request.ip });
      },
    },
    undici: {
      connections: route.connections,
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
  /** The stream-server requests in flight, shared with the video pass-through. */
  slots?: StreamSlots;
}

export async function proxyPlugin(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  const { config } = opts;
  const headersTimeoutMs = opts.headersTimeoutMs ?? 30_000;
  app.addHook('onSend', lingerOnEarlyAnswer);
  const apiBase = basePath(config.api_url);
  const streamBase = basePath(config.stream_url);
  // The api's own limit, from the options every service starts with.
  const apiBodyLimit = baseServerOptions(config, 'api').bodyLimit ?? 1024 * 1024;
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > apiBodyLimit) throw payloadTooLarge(tooLargeMessage('api'));
  });
  const slots = opts.slots ?? new StreamSlots(config.stream_max_connections);
  app.addHook('onRequest', async (request, reply) => {
    if (/^\/(videos|upload|files)(\/|$)/.test(request.url) && !slots.tryTake(reply.raw)) {
      throw tooManyRequests(1, 'the stream service is busy, try again shortly');
    }
  });
  addWsGuard(app, { config, prefix: '/api' });
  await registerProxy(app, 'api', {
    prefix: '/api',
    upstream: config.api_url,
    rewritePrefix: apiBase || '/',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    bodyTimeoutMs: 60_000,
    headersTimeoutMs,
    websocket: true,
    bodyLimit: apiBodyLimit,
    connections: 128,
  });
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
