import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '@video/shared';
import { closeRedis } from '../danmaku/redis-backplane.js';
import { connectRedis, parseRedisUrl, waitReady } from '../http/redis-connection.js';

/**
 * Moderation events the live layers act on. `banned`: every open socket of that user (danmaku
 * rooms, the notification bell) closes at once, on every api instance; with `redis_url` the event
 * travels on one channel every instance subscribes to, else it stays in this process.
 * `danmaku-removed`: a moderator's delete, pushed to the video's live room like an author's.
 */
export interface AccountEvents {
  publishBanned(userId: number): Promise<void>;
  onBanned(handler: (userId: number) => void): void;
  danmakuRemoved(videoId: string, id: string): void;
  onDanmakuRemoved(handler: (videoId: string, id: string) => void): void;
  close(): Promise<void>;
}

export const ACCOUNT_CLOSE_CODE = 4403;

export async function createAccountEvents(config: Pick<Config, 'redis_url'>, log: FastifyBaseLogger): Promise<AccountEvents> {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const emitBanned = (userId: number) => local.emit('banned', userId);
  let redis: { cmd: Redis; sub: Redis; channel: string } | undefined;
  if (config.redis_url) {
    const { url, prefix } = parseRedisUrl(config.redis_url);
    const channel = `${prefix}accounts:banned`;
    const cmd = await connectRedis(url, log, 'accounts-commands');
    const sub = await connectRedis(url, log, 'accounts-subscriber');
    sub.on('message', (ch: string, message: string) => {
      const userId = Number(message);
      if (ch === channel && Number.isSafeInteger(userId)) emitBanned(userId);
    });
    const subscribe = () => sub.subscribe(channel).catch((err: unknown) => log.warn({ err }, 'cannot subscribe to ban notices'));
    // Again on every (re)connection: a subscription that failed while Redis was away is made once it is back.
    sub.on('ready', () => void subscribe());
    if (!(await Promise.all([waitReady(cmd, 2000), waitReady(sub, 2000)])).every(Boolean)) {
      log.warn('redis not reachable at start: a ban closes sockets on this instance only until it is');
    }
    redis = { cmd, sub, channel };
  }

  return {
    async publishBanned(userId) {
      if (redis) {
        try {
          // Every subscribed instance hears it once, this one included.
          await redis.cmd.publish(redis.channel, String(userId));
          return;
        } catch (err) {
          log.warn({ err, userId }, 'cannot publish a ban notice; closing sockets on this instance only');
        }
      }
      emitBanned(userId);
    },
    onBanned: (handler) => local.on('banned', handler),
    danmakuRemoved: (videoId, id) => local.emit('danmaku-removed', videoId, id),
    onDanmakuRemoved: (handler) => local.on('danmaku-removed', handler),
    async close() {
      local.removeAllListeners();
      if (redis) await Promise.all([closeRedis(redis.sub), closeRedis(redis.cmd)]);
    },
  };
}
