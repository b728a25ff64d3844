import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import proxyAddr from '@fastify/proxy-addr';
import { isVideoId, parseDerivedUrl, unavailable } from '@video/shared/contract';
import { genReqId, httpDuration, httpRequests } from '@video/shared/http';
import { HSTS_MAX_AGE } from '../edge/edge-plugin.js';
import type { StreamSlots } from './stream-slots.js';
import { CONNECT_TIMEOUT_MS } from './upstream-client.js';
import { upstreamHeaders } from './upstream-headers.js';
import { DERIVED_FILE, LocalFiles } from './local-files.js';

/** The route label the general proxy's requests for videos carry in the metrics. */
export const PASSTHROUGH_ROUTE = '/videos/*';
const PREFIX = '/videos/';
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
const NOT_RETURNED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-connection', 'x-accel-redirect']);
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
  /** web_serve_local_files with stream_accel_redirect_prefix: the web sends the files the stream server names (local-files.ts). */
  local?: { prefix: string; videoDir: string };
}

export interface VideoPassthrough {
  /** Relays the request and returns true, or returns false having touched nothing. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests relayed here so far. */
  readonly served: number;
  /** Of those, the answers sent from a local file (X-Accel-Redirect). */
  readonly localSent: number;
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
 *
 * With `local` (one machine, one disk) a GET asks with the web's own `X-Accel-Allowed: 1`, and an
 * X-Accel-Redirect answer is sent from the web's video_dir as nginx would send it: one copy of each
 * byte fewer than relaying. A file that is not there is asked for once more without it; a name
 * outside video_dir (or an X-Accel answer not asked for) is the upstream's fault, 503 011.
 */
export function createVideoPassthrough(opts: PassthroughOptions): VideoPassthrough {
  const upstream = new URL(opts.streamUrl);
  const ctx: Relay = {
    opts,
    upstream,
    basePath: upstream.pathname.replace(/\/+$/, ''),
    agent: new http.Agent({ keepAlive: true, maxSockets: opts.slots.max, scheduling: 'lifo', timeout: 60_000 }),
    trust: proxyAddr.compile(opts.trustedProxies),
    local: opts.local && new LocalFiles(opts.local.prefix, opts.local.videoDir, opts.log),
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
    get localSent() {
      return ctx.local?.sent ?? 0;
    },
    close: () => {
      ctx.agent.destroy();
      ctx.local?.close();
    },
  };
  return passthrough;
}

interface Relay {
  opts: PassthroughOptions;
  upstream: URL;
  basePath: string;
  agent: http.Agent;
  trust: ReturnType<typeof proxyAddr.compile>;
  local: LocalFiles | undefined;
}

/** One client request's relay: the upstream request in flight (none while a local file is sent), and whether the client left. */
interface RelayState {
  upstreamReq: http.ClientRequest | undefined;
  clientGone: boolean;
}

function relay(ctx: Relay, req: IncomingMessage, res: ServerResponse, reqId: string): void {
  const started = process.hrtime.bigint();
  const state: RelayState = { upstreamReq: undefined, clientGone: false };
  res.once('close', () => {
    // The client went away (or the answer is complete): nothing more is needed from upstream.
    if (!res.writableFinished) {
      state.clientGone = true;
      state.upstreamReq?.destroy();
    }
    record(ctx.opts.log, req, res, req.method as string, reqId, started);
  });
  ask(ctx, req, res, reqId, state, ctx.local !== undefined && req.method === 'GET');
}

/** Asks the stream server (with the web's X-Accel-Allowed when `accel`) and relays or serves its answer. */
function ask(ctx: Relay, req: IncomingMessage, res: ServerResponse, reqId: string, state: RelayState, accel: boolean): void {
  const upstreamReq = http.request({
    host: ctx.upstream.hostname,
    port: Number(ctx.upstream.port || 80),
    agent: ctx.agent,
    method: req.method,
    path: ctx.basePath + (req.url as string),
    headers: forwardedHeaders(ctx, req, reqId, accel),
  });
  state.upstreamReq = upstreamReq;
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
    if (upstreamRes.headers['x-accel-redirect'] !== undefined) {
      // An empty answer naming a file: its keep-alive socket goes back to the pool untouched.
      upstreamRes.resume();
      state.upstreamReq = undefined;
      if (!state.clientGone) serveAccel(ctx, req, res, reqId, state, upstreamRes.headers, accel);
      return;
    }
    res.writeHead(upstreamRes.statusCode ?? 502, answerHeaders(ctx, upstreamRes.headers, reqId));
    upstreamRes.pipe(res);
    upstreamRes.once('error', () => res.destroy());
  });
  upstreamReq.once('error', (err) => {
    clearTimers();
    // The client's own abort ends the upstream request that way: nothing failed.
    if (!state.clientGone && state.upstreamReq === upstreamReq) upstreamFailed(ctx, res, reqId, err);
  });
  upstreamReq.end();
}

/** Sends the file an X-Accel-Redirect answer names; asks again without X-Accel when it is not here. */
function serveAccel(ctx: Relay, req: IncomingMessage, res: ServerResponse, reqId: string, state: RelayState, headers: IncomingHttpHeaders, asked: boolean): void {
  const outcome =
    asked && ctx.local
      ? ctx.local.send(req, res, headers, (h) => answerHeaders(ctx, h, reqId), reqId)
      : { kind: 'fault' as const, err: new Error('the stream service answered with X-Accel-Redirect unasked') };
  if (outcome.kind === 'missing') ask(ctx, req, res, reqId, state, false);
  else if (outcome.kind === 'fault') {
    ctx.opts.log.error({ err: outcome.err, reqId, upstream: 'stream' }, 'an X-Accel-Redirect answer cannot be served');
    upstreamFailed(ctx, res, reqId, outcome.err, true);
  }
}

function upstreamFailed(ctx: Relay, res: ServerResponse, reqId: string, err: Error, logged = false): void {
  const log = ctx.opts.log;
  if (res.headersSent) {
    if (!res.writableFinished) log.warn({ err, reqId, upstream: 'stream' }, 'upstream failed mid-answer');
    res.destroy();
    return;
  }
  if (!logged) log.warn({ err, reqId, upstream: 'stream' }, 'upstream unavailable');
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
function forwardedHeaders(ctx: Relay, req: IncomingMessage, reqId: string, accel: boolean): OutgoingHttpHeaders {
  const incoming = req.headers;
  const out: OutgoingHttpHeaders = {};
  const dropped = connectionTokens(incoming);
  for (const name in incoming) {
    if (!NOT_FORWARDED.has(name) && !dropped?.has(name)) out[name] = incoming[name];
  }
  out.host = ctx.upstream.host;
  const trusted = ctx.trust(req.socket.remoteAddress ?? '', 0);
  const headers = upstreamHeaders(out, incoming, {
    ip: proxyAddr(req, ctx.trust),
    proto: (trusted && lastValue(incoming['x-forwarded-proto'])) || 'http',
    host: incoming.host,
    requestId: reqId,
  });
  // The web's own, never a client's (upstreamHeaders drops that): it sends what is named itself.
  if (accel) headers['x-accel-allowed'] = '1';
  return headers;
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
    if (!derived || !isVideoId(derived.id) || !DERIVED_FILE.test(derived.segment)) return false;
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
