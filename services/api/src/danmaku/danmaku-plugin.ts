import { randomBytes } from 'node:crypto';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config, Db } from '@video/shared';
import { ACCOUNT_CLOSE_CODE, type AccountEvents } from '../admin/account-events.js';
import { decorateSessionUser } from '../http/auth-hooks.js';
import { connectRedis, parseRedisUrl, waitReady } from '../http/redis-connection.js';
import { exportRoutes } from './danmaku-export-routes.js';
import { danmakuRoutes } from './danmaku-routes.js';
import { LocalBackplane, type Backplane } from './live-backplane.js';
import { DEFAULT_LIVE_OPTIONS, LiveHub, type LiveOptions } from './live-hub.js';
import { liveRoutes } from './live-routes.js';
import { LocalRateLimiter, RedisRateLimiter, type PostRateLimiter, type RateLimit } from './post-rate-limiter.js';
import { RedisBackplane } from './redis-backplane.js';

export interface DanmakuPluginOptions {
  config: Config;
  db: Db;
  /** Viewer expiry and sweep period (tests shorten them). */
  live?: Partial<LiveOptions>;
  /** Posts per user per window; default `danmaku_rate_limit` a minute. */
  rateLimit?: RateLimit;
  /** Bans close the banned user's live sockets; a moderator's delete reaches the room. */
  accountEvents?: AccountEvents;
}

/** The largest WebSocket frame the api accepts: a danmaku message (100 characters) and its JSON, with room. */
export const MAX_WS_PAYLOAD = 4096;

/**
 * Danmaku and "watching now": DPlayer's v3 backend, the live WebSocket rooms and the viewer counts.
 * Encapsulated (not fastify-plugin): its WebSocket support and its DPlayer-style error bodies apply
 * to its own routes only.
 */
export const danmakuPlugin: FastifyPluginAsync<DanmakuPluginOptions> = async (app, opts) => {
  const live = { ...DEFAULT_LIVE_OPTIONS, ...opts.live };
  const rateLimit = opts.rateLimit ?? { max: opts.config.danmaku_rate_limit, windowMs: 60_000 };
  const instanceId = randomBytes(6).toString('hex');

  const { backplane, limiter } = await chooseBackplane(app, opts.config, live, rateLimit, instanceId);
  const hub = new LiveHub(backplane, instanceId, live, app.log);
  decorateSessionUser(app);
  app.addHook('onClose', async () => hub.close());
  opts.accountEvents?.onBanned((userId) => hub.closeUser(userId, ACCOUNT_CLOSE_CODE, 'account banned'));
  opts.accountEvents?.onDanmakuRemoved((videoId, id) => {
    hub.publish(videoId, { type: 'delete', id }).catch((err: unknown) => app.log.warn({ err }, 'live push failed'));
  });

  // A viewer only ever sends heartbeats: a frame the size of a danmaku message is plenty, and a
  // larger one closes the socket (1009) instead of being buffered (ws's default is 100 MiB).
  // One WebSocket server per app: when the app already has one (the notifications), it serves these routes too.
  if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: MAX_WS_PAYLOAD } });
  await app.register(danmakuRoutes, { db: opts.db, hub, limiter });
  await app.register(liveRoutes, { db: opts.db, hub, maxPerAddress: opts.config.ws_max_per_address });
  await app.register(exportRoutes, { db: opts.db });
};
export default danmakuPlugin;

/**
 * With `redis_url`, rooms, counts and the post limit are shared through Redis by every instance;
 * without it, this process is the whole truth.
 */
async function chooseBackplane(
  app: FastifyInstance,
  config: Config,
  live: LiveOptions,
  rateLimit: RateLimit,
  instanceId: string,
): Promise<{ backplane: Backplane; limiter: PostRateLimiter }> {
  if (!config.redis_url) return { backplane: new LocalBackplane(), limiter: new LocalRateLimiter(rateLimit) };
  const { url, prefix } = parseRedisUrl(config.redis_url);
  const cmd = await connectRedis(url, app.log, 'commands');
  const sub = await connectRedis(url, app.log, 'subscriber');
  // Connected before the first request, so the first viewers are not served degraded.
  const ready = await Promise.all([waitReady(cmd, 2000), waitReady(sub, 2000)]);
  if (!ready.every(Boolean)) app.log.warn('redis not reachable at start: live rooms and counts degraded until it is');
  return {
    backplane: new RedisBackplane(cmd, sub, prefix, live.viewerTtlMs * 2),
    limiter: new RedisRateLimiter(cmd, prefix, instanceId, rateLimit, (err) =>
      app.log.warn({ err }, 'redis rate limit unavailable; limiting per instance'),
    ),
  };
}
