import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tooManyRequests, type Config } from '@video/shared';
import { connectRedis, parseRedisUrl, waitReady } from './redis-connection.js';
import { LocalWindowLimiter, RedisWindowLimiter, type WindowLimiter, type WindowRule } from './window-limiter.js';

export type LimitHook = (request: FastifyRequest) => Promise<void>;
export type ReplyLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
/** A counter for one rule, kept where the app keeps all of them (this instance or Redis). */
export type LimiterFactory = (rule: WindowRule) => WindowLimiter;

export interface UserLimits {
  /** Comments per user per minute (after authentication). */
  comment: LimitHook;
  /** Video records per user per hour (after authentication). */
  videoCreate: LimitHook;
}

export interface RateLimitOptions {
  /** Live keys a local counter holds before it refuses new ones (tests lower it). */
  maxKeys?: number;
}

export function retryLater(waitMs: number, what: string) {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return tooManyRequests(seconds, `${what}, retry in ${seconds} s`);
}

/**
 * Where the api's rate-limit counters live. Counters never lose a live key to a flood of new ones;
 * with `redis_url` they live in Redis, so every instance shares them (each counts on its own while
 * Redis is away). Everything it opens is closed with the app.
 */
export async function createLimiterFactory(
  app: FastifyInstance,
  config: Pick<Config, 'redis_url'>,
  opts: RateLimitOptions = {},
): Promise<LimiterFactory> {
  let redis: Redis | null = null;
  let prefix = '';
  if (config.redis_url) {
    const parsed = parseRedisUrl(config.redis_url);
    prefix = parsed.prefix;
    redis = await connectRedis(parsed.url, app.log, 'rate-limits');
    if (!(await waitReady(redis, 2000))) app.log.warn('redis not reachable at start: rate limits count per instance until it is');
  }
  const instanceId = randomBytes(6).toString('hex');
  const locals: LocalWindowLimiter[] = [];
  app.addHook('onClose', async () => {
    for (const local of locals) local.close();
    redis?.disconnect();
  });
  return (rule) => {
    const local = new LocalWindowLimiter(rule, opts.maxKeys);
    locals.push(local);
    if (!redis) return local;
    return new RedisWindowLimiter(redis, prefix, instanceId, rule, local, (err) =>
      app.log.warn({ err, limit: rule.name }, 'redis rate limit unavailable; counting per instance'),
    );
  };
}

/** Per-user comment and video-creation limits; they count the user an auth hook has set. */
export function userLimits(limiter: LimiterFactory, config: Pick<Config, 'comment_rate_limit' | 'video_create_rate_limit'>): UserLimits {
  const perUser = (counter: WindowLimiter, what: string): LimitHook => async (request) => {
    const user = request.sessionUser;
    if (!user) return;
    const wait = await counter.take(String(user.user_id));
    if (wait > 0) throw retryLater(wait, what);
  };
  return {
    comment: perUser(limiter({ name: 'comment-user', max: config.comment_rate_limit, windowMs: 60_000 }), 'too many comments'),
    videoCreate: perUser(
      limiter({ name: 'video-create-user', max: config.video_create_rate_limit, windowMs: 3_600_000 }),
      'too many new videos',
    ),
  };
}
