import type { EventEmitter } from 'node:events';
import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config, Db } from '@video/shared';
import { ACCOUNT_CLOSE_CODE, type AccountEvents } from '../admin/account-events.js';
import { MAX_WS_PAYLOAD } from '../danmaku/danmaku-plugin.js';
import { connectRedis, parseRedisUrl, waitReady } from '../http/redis-connection.js';
import { LocalFanout, RedisFanout, type Fanout } from './notification-fanout.js';
import { DEFAULT_HUB_OPTIONS, NotificationHub, type HubOptions } from './notification-hub.js';
import { liveNotificationsRoutes } from './notifications-live-routes.js';
import { notificationsRoutes } from './notifications-routes.js';

export interface NotificationsPluginOptions {
  config: Config;
  db: Db;
  /** Sweep and poll periods (tests shorten them). */
  live?: Partial<HubOptions>;
  /** Where this process's stored notifications are announced (tests give an instance its own). */
  events?: EventEmitter;
  /** Bans close the banned user's bells at once. */
  accountEvents?: AccountEvents;
}

/**
 * Notifications: the list and marking read, and the live bell. Registers the app's one WebSocket
 * server at the app's level (the danmaku rooms use the same one), so it must come before them.
 */
export const notificationsPlugin = fp<NotificationsPluginOptions>(
  async (app, opts) => {
    if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: MAX_WS_PAYLOAD } });
    const fanout = await chooseFanout(app, opts.config);
    const hub = new NotificationHub(opts.db, fanout, { ...DEFAULT_HUB_OPTIONS, ...opts.live }, app.log, opts.events);
    app.addHook('onClose', async () => hub.close());
    opts.accountEvents?.onBanned((userId) => hub.closeUser(userId, ACCOUNT_CLOSE_CODE, 'account banned'));
    await app.register(notificationsRoutes, { db: opts.db });
    await app.register(liveNotificationsRoutes, { db: opts.db, hub, maxPerAddress: opts.config.ws_max_per_address });
  },
  { name: 'notifications' },
);

/** With `redis_url` every instance hears every user's channel it holds sockets for; without it, this process. */
async function chooseFanout(app: FastifyInstance, config: Config): Promise<Fanout> {
  if (!config.redis_url) return new LocalFanout();
  const { url, prefix } = parseRedisUrl(config.redis_url);
  const cmd = await connectRedis(url, app.log, 'notifications-commands');
  const sub = await connectRedis(url, app.log, 'notifications-subscriber');
  const ready = await Promise.all([waitReady(cmd, 2000), waitReady(sub, 2000)]);
  if (!ready.every(Boolean)) app.log.warn('redis not reachable at start: live notifications degraded until it is');
  return new RedisFanout(cmd, sub, prefix);
}
