import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import proxyAddr from '@fastify/proxy-addr';
import { isVideoId, parseDerivedUrl, unavailable } from '@video/shared/contract';
import { genReqId, httpDuration, httpRequests } from '@video/shared/http';
import { HSTS_MAX_AGE } from '../edge/edge-plugin.js';
import type { StreamSlots } from './stream-slots.js';
import { CONNECT_TIMEOUT_MS } from './upstream-client.js';
import { upstreamHeaders } from './upstream-headers.js';

/** The route label the general proxy's requests for videos carry in the metrics. */
export const PASSTHROUGH_ROUTE = '/videos/*';
const PREFIX = '/videos/';
/** A derived file's name as the layout spells them (poster.jpg, 720.m3u8, …); anything else takes the general proxy. */
const DERIVED_NAME = /^[a-z0-9][a-z0-9_-]{0,31}\.[a-z0-9]{2,5}$/;
/** Request headers that describe this hop only (RFC 9110 §7.6.1) or that the web sets itself. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);
/** Answer headers of the upstream hop that must not reach the client. */
const NOT_RETURNED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-connection']);
const VERBOSE = new Set(['info', 'debug', 'trace']);

export interface PassthroughOptions {
  /** The stream server's base URL (config.stream_url). */
  streamUrl: string;
  slots: StreamSlots;
  /** config.trusted_proxies: who may say who the client is. */
  trustedProxies: string[];
  /** config.cookie_secure: answers carry Strict-Transport-Security. */
  hsts: boolean;
  /** How long the stream server may take to start its answer. */
  headersTimeoutMs: number;
  log: FastifyBaseLogger;
}

export interface VideoPassthrough {
  /** Relays the request and returns true, or returns false having touched nothing. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests relayed here so far. */
  readonly served: number;
  close(): void;
}

/**
 * The browsers' video reads — GET or HEAD of `/videos/<id>` and its posters and HLS files, by far the web's busiest requests — are
 * relayed to the stream server straight from Node's request event, on keep-alive sockets, before the
 * framework: the general proxy (Fastify route, hooks, undici, reply-from) spends more per request
 * than the stream server does serving a 64 KiB range.
 *
 * It keeps every rule of the general proxy: the cookie becomes X-Session-Id unless one was sent,
 * X-Forwarded-For/-Proto/-Host and X-Request-Id are the web's, the stream slots bound what is in
 * flight, the upstream's answer (a limiter's 429 included) passes through as it is, an abort on
 * either side ends the other, and an upstream that cannot be reached is 503 011. Anything else — a
 * query string (but a derived file's `?g=`), an odd id or file name, captions, a body, `Expect`, an
 * upgrade, no free slot — returns false and takes the general proxy, which answers it with its hooks
 * and errors.
 */
export function createVideoPassthrough(opts: PassthroughOptions): VideoPassthrough {
  const upstream = new URL(opts.streamUrl);
  const ctx: Relay = {
    opts,
    upstream,
    basePath: upstream.pathname.replace(/\/+$/, ''),
    agent: new http.Agent({ keepAlive: true, maxSockets: opts.slots.max, scheduling: 'lifo', timeout: 60_000 }),
    trust: proxyAddr.compile(opts.trustedProxies),
  };
  const passthrough = {
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (!isPlainVideoRead(req)) return false;
      if (!opts.slots.tryTake(res)) return false;
      passthrough.served++;
      relay(ctx, req, res, genReqId(req));
      return true;
    },
    served: 0,
    close: () => ctx.agent.destroy(),
  };
  return passthrough;
}

interface Relay {
  opts: PassthroughOptions;
  upstream: URL;
  basePath: string;
  agent: http.Agent;
  trust: ReturnType<typeof proxyAddr.compile>;
}

function relay(ctx: Relay, req: IncomingMessage, res: ServerResponse, reqId: string): void {
  const started = process.hrtime.bigint();
  const method = req.method as 'GET' | 'HEAD';
  const upstreamReq = http.request({
    host: ctx.upstream.hostname,
    port: Number(ctx.upstream.port || 80),
    agent: ctx.agent,
    method,
    path: ctx.basePath + (req.url as string),
    headers: forwardedHeaders(ctx, req, reqId),
  });
  let clientGone = false;
  const headersTimer = setTimeout(() => upstreamReq.destroy(new Error('the stream service did not answer in time')), ctx.opts.headersTimeoutMs);
  const connectTimer = setTimeout(() => {
    if (!upstreamReq.socket || upstreamReq.socket.connecting) upstreamReq.destroy(new Error('cannot reach the stream service'));
  }, CONNECT_TIMEOUT_MS);
  const clearTimers = () => {
    clearTimeout(headersTimer);
    clearTimeout(connectTimer);
  };
  upstreamReq.once('response', (upstreamRes) => {
    clearTimers();
    res.writeHead(upstreamRes.statusCode ?? 502, answerHeaders(ctx, upstreamRes.headers, reqId));
    upstreamRes.pipe(res);
    upstreamRes.once('error', () => res.destroy());
  });
  upstreamReq.once('error', (err) => {
    clearTimers();
    // The client's own abort ends the upstream request that way: nothing failed.
    if (!clientGone) upstreamFailed(ctx, res, reqId, err);
  });
  res.once('close', () => {
    clearTimers();
    // The client went away (or the answer is complete): nothing more is needed from upstream.
    if (!res.writableFinished) {
      clientGone = true;
      upstreamReq.destroy();
    }
    record(ctx.opts.log, req, res, method, reqId, started);
  });
  upstreamReq.end();
}

function upstreamFailed(ctx: Relay, res: ServerResponse, reqId: string, err: Error): void {
  const log = ctx.opts.log;
  if (res.headersSent) {
    if (!res.writableFinished) log.warn({ err, reqId, upstream: 'stream' }, 'upstream failed mid-answer');
    res.destroy();
    return;
  }
  log.warn({ err, reqId, upstream: 'stream' }, 'upstream unavailable');
  const body = JSON.stringify(unavailable('the stream service is unavailable, try again shortly').toBody());
  res.writeHead(503, {
    ...answerHeaders(ctx, {}, reqId),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'retry-after': '5',
  });
  res.end(body);
}

/** The upstream request's headers, as the general proxy sends them (upstream-headers.ts). */
function forwardedHeaders(ctx: Relay, req: IncomingMessage, reqId: string): OutgoingHttpHeaders {
  const incoming = req.headers;
  const out: OutgoingHttpHeaders = {};
  const dropped = connectionTokens(incoming);
  for (const name in incoming) {
    if (!NOT_FORWARDED.has(name) && !dropped?.has(name)) out[name] = incoming[name];
  }
  out.host = ctx.upstream.host;
  const trusted = ctx.trust(req.socket.remoteAddress ?? '', 0);
  return upstreamHeaders(out, incoming, {
    ip: proxyAddr(req, ctx.trust),
    proto: (trusted && lastValue(incoming['x-forwarded-proto'])) || 'http',
    host: incoming.host,
    requestId: reqId,
  });
}

function answerHeaders(ctx: Relay, headers: IncomingHttpHeaders, reqId: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) if (!NOT_RETURNED.has(name)) out[name] = headers[name];
  out['x-request-id'] = reqId;
  if (ctx.opts.hsts) out['strict-transport-security'] = `max-age=${HSTS_MAX_AGE}`;
  return out;
}

/** Counts and logs one relayed request as the framework counts and logs the general proxy's. */
function record(log: FastifyBaseLogger, req: IncomingMessage, res: ServerResponse, method: string, reqId: string, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const labels = { service: 'web', method, route: PASSTHROUGH_ROUTE, status: String(res.statusCode) };
  httpRequests.inc(labels);
  httpDuration.observe(labels, seconds);
  if (VERBOSE.has(log.level)) {
    log.info(
      { reqId, req: { method, url: req.url, remoteAddress: req.socket?.remoteAddress }, res: { statusCode: res.statusCode }, responseTime: seconds * 1000 },
      res.writableFinished ? 'request completed' : 'request aborted by the client',
    );
  }
}

/**
 * GET or HEAD of `/videos/<id>`, or of one of its derived files (`/videos/<id>/poster.jpg`,
 * `/videos/<id>/hls/720.mp4`, optionally `?g=<generation>`), with no body, no Expect and no upgrade.
 */
function isPlainVideoRead(req: IncomingMessage): boolean {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const url = req.url ?? '';
  if (!url.startsWith(PREFIX)) return false;
  if (!isVideoId(url.slice(PREFIX.length))) {
    const derived = parseDerivedUrl(url);
    if (!derived || !isVideoId(derived.id) || !DERIVED_NAME.test(derived.segment)) return false;
  }
  const h = req.headers;
  return h.expect === undefined && h.upgrade === undefined && h['transfer-encoding'] === undefined && (h['content-length'] ?? '0') === '0';
}

/** Header names the client listed in Connection: they are for this hop only. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> | undefined {
  const value = headers.connection;
  if (!value) return undefined;
  return new Set(value.split(',').map((t) => t.trim().toLowerCase()));
}

/** The nearest proxy's entry of a list header, as the framework reads X-Forwarded-Proto. */
function lastValue(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return v ? v.slice(v.lastIndexOf(',') + 1).trim() : '';
}
