import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { Counter } from 'prom-client';
import { credentialFromHeaders, registry, type WriteClock } from '@video/shared';

/**
 * The public reads whose answer, for a visitor, depends on the URL alone (each handler was read for
 * it: no viewer's rating, no owner fields, nothing from the client address), and on no table the
 * write clock does not watch (packages/shared/src/db/write-relevance.ts). A route added here must
 * keep both true.
 */
export const CACHED_ROUTES: ReadonlySet<string> = new Set([
  '/videos',
  '/videos/:vid',
  '/videos/:vid/related',
  '/videos/:vid/comments',
  '/videos/:vid/comments/:cid/replies',
  '/search',
  '/user/:username/videos',
  '/user/:username/videos/:vid',
  '/user/:username/profile',
]);

/** Answers kept: a page, or "no such video/user" (an anonymous 404 is the same for every visitor). */
const KEPT_STATUS = new Set([200, 404]);
/** Per-entry bookkeeping beyond the key and body, for the byte bound. */
const ENTRY_OVERHEAD = 160;

/**
 * A visitor: no session id, no Authorization of any scheme, no session cookie. A signed-in caller
 * may see more (a private video, its owner's 404 is not a stranger's), so is never answered from
 * the cache and never fills it; nor is a caller with an expired session (the safe side).
 */
export function isAnonymous(headers: IncomingHttpHeaders): boolean {
  if (headers['x-session-id'] !== undefined || headers.authorization !== undefined) return false;
  return headers.cookie === undefined || credentialFromHeaders(headers) === undefined;
}

interface Entry {
  token: string;
  status: number;
  contentType: string;
  /** Encoded once when stored, so a hit writes bytes instead of encoding the JSON again. */
  body: Buffer;
}

const readCacheRequests = new Counter({
  name: 'api_read_cache_requests_total',
  help: 'Cacheable anonymous reads by outcome: hit, miss, or uncached (the write clock could not be read)',
  labelNames: ['result'] as const,
  registers: [registry],
});
const hits = readCacheRequests.labels('hit');
const misses = readCacheRequests.labels('miss');
const uncached = readCacheRequests.labels('uncached');

declare module 'fastify' {
  interface FastifyRequest {
    /** The write clock's token read before this cacheable miss was computed; null otherwise. */
    readCacheToken: string | null;
  }
  interface FastifyInstance {
    /** What the read cache holds now (undefined while it is off). */
    readCacheStats?: () => { entries: number; bytes: number; maxBytes: number };
  }
}

export interface ReadCacheOptions {
  clock: WriteClock;
  /** api_read_cache_mb. */
  maxMb: number;
}

/** lru-cache allocates its index for `max` entries up front: one per 512 bytes, within bounds. */
const entryBound = (maxBytes: number) => Math.min(1_000_000, Math.max(1000, Math.floor(maxBytes / 512)));

function asHooks<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * Answers a cacheable anonymous GET from memory when its entry was computed at the write clock's
 * current version; stores misses, tagged with the version read before they were computed. Any
 * relevant commit, in any process, changes the version, so no entry is served after a write whose
 * response someone has seen (docs/ARCHITECTURE.md, "Read cache").
 */
export const readCachePlugin = fp(
  async (app: FastifyInstance, { clock, maxMb }: ReadCacheOptions) => {
    if (maxMb <= 0) return app.log.info('read cache off (api_read_cache_mb is 0)');
    if (!clock.shared) return app.log.info('read cache off: MySQL without redis_url (the services share its write clock through Redis)');
    const maxSize = maxMb * 1024 * 1024;
    const cache = new LRUCache<string, Entry>({ maxSize, max: entryBound(maxSize), sizeCalculation: (e, key) => e.body.length + key.length + ENTRY_OVERHEAD });
    app.decorateRequest('readCacheToken', null);
    app.decorate('readCacheStats', () => ({ entries: cache.size, bytes: cache.calculatedSize, maxBytes: maxSize }));

    const answer = (request: FastifyRequest, reply: FastifyReply, token: string, done: HookHandlerDoneFunction): void => {
      const entry = cache.get(request.url);
      if (entry !== undefined && entry.token === token) {
        hits.inc();
        reply.code(entry.status).header('content-type', entry.contentType).header('x-cache', 'hit').send(entry.body);
        return;
      }
      misses.inc();
      request.readCacheToken = token;
      done();
    };
    const lookUp = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      if (request.method !== 'GET' || !isAnonymous(request.headers)) return done();
      let token: ReturnType<WriteClock['version']>;
      try {
        token = clock.version();
      } catch {
        token = undefined; // the database is closing or gone: the route answers (503) uncached
      }
      if (typeof token === 'string') return answer(request, reply, token, done);
      if (token === undefined) {
        uncached.inc();
        return done();
      }
      token.then(
        (t) => (t === undefined ? (uncached.inc(), done()) : answer(request, reply, t, done)),
        () => done(),
      );
    };
    const store = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void => {
      const token = request.readCacheToken;
      if (token !== null && KEPT_STATUS.has(reply.statusCode) && (typeof payload === 'string' || Buffer.isBuffer(payload)) && !reply.hasHeader('set-cookie')) {
        const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
        const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
        cache.set(request.url, { token, status: reply.statusCode, contentType, body });
        reply.header('x-cache', 'miss');
      }
      done(null, payload);
    };

    // Route-level hooks on the listed routes only: every other request pays nothing. The look-up
    // goes first, before the route's own authentication hook.
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = asHooks(route.method);
      if (!methods.includes('GET') || !CACHED_ROUTES.has(route.url)) return;
      route.onRequest = [lookUp, ...asHooks(route.onRequest)] as RouteOptions['onRequest'];
      route.onSend = [...asHooks(route.onSend), store] as RouteOptions['onSend'];
    });
    app.log.info({ maxMb }, 'read cache on');
  },
  { name: 'api-read-cache', fastify: '5.x' },
);
