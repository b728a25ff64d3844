import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { genReqId, httpDuration, httpRequests } from '@video/shared';
import type { ConnectionLimiter } from '../limits/connection-limiter.js';
import { planGet, sendFileRange, type GetPlan, type OpenFileCache, type OpenVideoFile, type PlanHeaders } from '@video/shared/files';
import type { TransferGuard } from '../limits/transfer-guard.js';
import type { VideoRowCache } from './video-row-cache.js';
import { isVideoId } from '@video/shared';
import { accelHeaders, type AccelRedirect } from './accel-redirect.js';

type BytesPlan = Extract<GetPlan, { kind: 'bytes' }>;

export const FALLBACK_TYPE = 'video/mp4';
export const VIDEOS_ROUTE = '/videos/:vid';
/** How long a served file's stat is trusted on the fast path (the row cache's window, too). */
export const FILE_RECHECK_MS = 1000;
const PREFIX = '/videos/';
/** Levels at which Fastify logs each request it completes. */
const VERBOSE = new Set(['info', 'debug', 'trace']);

/** A file the fast path may answer a URL with, as the route would: its cache, name, type, headers. */
export interface FastTarget {
  files: OpenFileCache;
  name: string;
  contentType: string;
  /** Sent after the plan's headers (say, Cache-Control). */
  headers?: PlanHeaders;
  /** The route's pattern, for the metrics. */
  route: string;
}

/** Names the target of a GET/HEAD url under /videos/, or undefined to leave it to the routes. */
export type FastResolver = (url: string) => FastTarget | undefined;

export interface FastPathOptions {
  limiter: ConnectionLimiter;
  files: OpenFileCache;
  rows: VideoRowCache;
  log: FastifyBaseLogger;
  guard: TransferGuard;
  /** Further URLs the fast path may answer (the derived media files), asked when the original's shape does not match. */
  resolvers?: FastResolver[];
  /** stream_accel_redirect_prefix: nginx sends what the balancer's requests are answered (accel-redirect.ts). */
  accel?: AccelRedirect;
}

type Labels = { service: string; method: string; route: string; status: string };
const labelCache = new Map<string, Labels>();

/**
 * Counts one streamed response of the videos route in the shared HTTP metrics (the fast path and
 * the route's hijacked replies skip Fastify's onResponse hook). Returns the seconds it took.
 */
export function countStreamed(method: string, status: number, started: bigint, route = VIDEOS_ROUTE): number {
  const key = `${method} ${status} ${route}`;
  let labels = labelCache.get(key);
  if (!labels) {
    labels = { service: 'streamserver', method, route, status: String(status) };
    labelCache.set(key, labels);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  httpRequests.inc(labels);
  httpDuration.observe(labels, seconds);
  return seconds;
}

/** The streaming fast path of one server (createFastPath). */
export interface FastPath {
  /** Answers the request and returns true, or returns false having touched nothing. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests answered here so far. */
  served: number;
}

/**
 * The common case of the streaming route — GET or HEAD of a known, live, stored video, the whole
 * file or one byte range — answered straight from Node's request event, before the framework.
 * A Fastify route costs tens of microseconds per request in hooks, validation and allocation, as
 * much as reading and sending a 64 KiB range; players ask for many such ranges. The derived media
 * files (an HLS rendition's fMP4, whose segments are byte ranges of it) come this way too, through
 * `resolvers` that make the route's own decision.
 *
 * It only ever answers what the route would answer the same way: anything else (a video not yet in
 * the row cache, a private one, whose owner's session the route checks, no file, several ranges, a
 * 304 or 412, a full limiter, a closing server, a query string (but a derived file's `?g=`) or an
 * encoded character in the path, object storage) returns false untouched, and the
 * Fastify route answers it with its hooks and errors. The response carries the same headers,
 * X-Request-Id included, is counted in the same metrics, and is logged as the framework logs.
 */
export function createFastPath(opts: FastPathOptions): FastPath {
  const { limiter, guard } = opts;
  const resolvers = [originalResolver(opts.files, opts.rows), ...(opts.resolvers ?? [])];
  const resolve = (url: string): FastTarget | undefined => {
    for (const r of resolvers) {
      const t = r(url);
      if (t) return t;
    }
    return undefined;
  };
  // The limiter's synchronous answer, if it has one: asking a cluster primary is the route's job.
  const acquireNow = (): boolean => {
    const granted = limiter.tryAcquireNow ? limiter.tryAcquireNow() : false;
    return granted === true;
  };

  const fast: FastPath = { handle, served: 0 };
  return fast;

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return false;
    const target = resolve(url);
    if (!target) return false;
    const cache = target.files;
    const file = cache.acquire(target.name, FILE_RECHECK_MS);
    if (!file) return false;
    const plan = planGet({ method, headers: req.headers, file, contentType: target.contentType });
    // 304, 412, 416 and several ranges (even when answered whole) are the route's.
    if (plan.kind !== 'bytes' || plan.ranges > 1) {
      cache.release(file);
      return false;
    }
    // An address at its cap goes to the route, which answers 429.
    const key = guard.keyOf(req);
    if (guard.inUse(key) >= guard.maxPerAddress || !acquireNow()) {
      cache.release(file);
      return false;
    }
    guard.admit(key, res);
    guard.watch(res, false);
    fast.served++;
    serve(opts, req, res, target, file, plan);
    return true;
  }
}

/** The original's URL, `/videos/<id>`: a cached live row that is not private. */
function originalResolver(files: OpenFileCache, rows: VideoRowCache): FastResolver {
  return (url) => {
    const id = url.slice(PREFIX.length);
    // Anything with a query, an encoding or another segment goes the long way, which validates it.
    if (!isVideoId(id)) return undefined;
    const video = rows.peek(id);
    if (!video || video.privacy === 'private') return undefined;
    return { files, name: id, contentType: video.content_type ?? FALLBACK_TYPE, route: VIDEOS_ROUTE };
  };
}

/** Sends an admitted answer (its slot taken), frees all it holds when it ends, counts and logs it. */
function serve(opts: FastPathOptions, req: IncomingMessage, res: ServerResponse, target: FastTarget, file: OpenVideoFile, plan: BytesPlan): void {
  const { limiter, log } = opts;
  const method = req.method ?? 'GET';
  const started = process.hrtime.bigint();
  const reqId = genReqId(req);
  const out: OutgoingHttpHeaders = { 'x-request-id': reqId, ...plan.headers, ...target.headers };
  const accelUri = opts.accel?.target(req, plan, target.name);
  res.once('close', () => {
    limiter.release();
    target.files.release(file);
    const seconds = countStreamed(method, res.statusCode, started, target.route);
    if (VERBOSE.has(log.level)) {
      log.info(
        { reqId, req: { method, url: req.url, remoteAddress: req.socket?.remoteAddress }, res: { statusCode: res.statusCode }, responseTime: seconds * 1000 },
        res.writableFinished ? 'request completed' : 'request aborted by the client',
      );
    }
  });
  if (accelUri !== undefined) {
    res.writeHead(200, accelHeaders(out, accelUri));
    res.end();
    return;
  }
  res.writeHead(plan.status, out);
  const body = plan.body;
  if (!body) res.end();
  else sendFileRange(res, file.fd, body.start, body.end, (err) => log.warn({ err, reqId }, 'streaming a file failed'));
}
