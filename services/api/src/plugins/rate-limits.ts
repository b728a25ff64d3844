import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rateLimitAddress, tooManyRequests, type Config } from '@video/shared';
import { connectRedis, parseRedisUrl, waitReady } from '../danmaku/redis-backplane.js';
import { normalizeName } from '../lib/input.js';
import { LocalWindowLimiter, RedisWindowLimiter, type WindowLimiter, type WindowRule } from '../lib/window-limiter.js';

const SIGN_IN_WINDOW_MS = 5 * 60_000;
/**
 * One name is tried from many addresses (a user's phone and laptop, an office NAT), and one
 * address tries many names (a NAT again): both ceilings sit well above the name+address limit,
 * which is the one that stops a guesser without locking the user out from elsewhere.
 */
const SIGN_IN_CEILING_FACTOR = 10;

export type LimitHook = (request: FastifyRequest) => Promise<void>;
export type ReplyLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface AuthLimits {
  /** Refuses a sign-in while its name+address, its name or its address has failed too often. */
  signIn: ReplyLimitHook;
  /** Counts a failed credential check (wrong password or unknown name) of this request. */
  signInFailed: (request: FastifyRequest) => Promise<void>;
  /** Sign-ups per client address. */
  signUp: LimitHook;
}

export interface UserLimits {
  /** Comments per user per minute (after authentication). */
  comment: LimitHook;
  /** Video records per user per hour (after authentication). */
  videoCreate: LimitHook;
}

export interface RateLimits {
  auth: AuthLimits;
  user: UserLimits;
}

export interface RateLimitOptions {
  /** Live keys a local counter holds before it refuses new ones (tests lower it). */
  maxKeys?: number;
}

type LimitConfig = Pick<Config, 'signin_rate_limit' | 'comment_rate_limit' | 'video_create_rate_limit' | 'redis_url'>;

const retry = (waitMs: number, what: string) => {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return tooManyRequests(seconds, `${what}, retry in ${seconds} s`);
};

/**
 * The api's rate limits: failed sign-ins, sign-ups per address, and per-user comment and video
 * creation. Addresses are `request.ip` (the first hop outside `trusted_proxies`), IPv6 by its /64.
 * Counters never lose a live key to a flood of new ones; with `redis_url` they live in Redis, so
 * every instance shares them (each counts on its own while Redis is away).
 */
export async function registerRateLimits(app: FastifyInstance, config: LimitConfig, opts: RateLimitOptions = {}): Promise<RateLimits> {
  let redis: Redis | null = null;
  let prefix = '';
  if (config.redis_url) {
    const parsed = parseRedisUrl(config.redis_url);
    prefix = parsed.prefix;
    redis = connectRedis(parsed.url, app.log, 'rate-limits');
    if (!(await waitReady(redis, 2000))) app.log.warn('redis not reachable at start: rate limits count per instance until it is');
  }
  const instanceId = randomBytes(6).toString('hex');
  const locals: LocalWindowLimiter[] = [];
  const limiter = (rule: WindowRule): WindowLimiter => {
    const local = new LocalWindowLimiter(rule, opts.maxKeys);
    locals.push(local);
    if (!redis) return local;
    return new RedisWindowLimiter(redis, prefix, instanceId, rule, local, (err) =>
      app.log.warn({ err, limit: rule.name }, 'redis rate limit unavailable; counting per instance'),
    );
  };
  app.addHook('onClose', async () => {
    for (const local of locals) local.close();
    redis?.disconnect();
  });

  const signin = config.signin_rate_limit;
  const failedPerNameAddress = limiter({ name: 'signin-name-ip', max: signin, windowMs: SIGN_IN_WINDOW_MS });
  const failedPerName = limiter({ name: 'signin-name', max: signin * SIGN_IN_CEILING_FACTOR, windowMs: SIGN_IN_WINDOW_MS });
  const failedPerAddress = limiter({ name: 'signin-ip', max: signin * SIGN_IN_CEILING_FACTOR, windowMs: SIGN_IN_WINDOW_MS });
  const signUpPerAddress = limiter({ name: 'signup-ip', max: signin, windowMs: SIGN_IN_WINDOW_MS });
  const comments = limiter({ name: 'comment-user', max: config.comment_rate_limit, windowMs: 60_000 });
  const videoCreates = limiter({ name: 'video-create-user', max: config.video_create_rate_limit, windowMs: 3_600_000 });

  const signInKeys = (request: FastifyRequest) => {
    const name = normalizeName(String((request.params as { username?: unknown }).username ?? ''));
    const address = rateLimitAddress(request.ip);
    return { nameAddress: `${name}|${address}`, name, address };
  };
  // Failures are recorded after the bcrypt compare, so parallel guesses would all pass the check
  // first: attempts still in flight count against the name+address limit too (on this instance).
  const inFlight = new Map<string, number>();
  const enter = (key: string) => inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
  const leave = (key: string) => {
    const left = (inFlight.get(key) ?? 1) - 1;
    if (left > 0) inFlight.set(key, left);
    else inFlight.delete(key);
  };

  const perUser = (counter: WindowLimiter, what: string): LimitHook => async (request) => {
    const user = request.sessionUser;
    if (!user) return;
    const wait = await counter.take(String(user.user_id));
    if (wait > 0) throw retry(wait, what);
  };

  return {
    auth: {
      signIn: async (request, reply) => {
        const keys = signInKeys(request);
        const waits = await Promise.all([
          failedPerNameAddress.wait(keys.nameAddress),
          failedPerName.wait(keys.name),
          failedPerAddress.wait(keys.address),
        ]);
        const wait = Math.max(...waits);
        if (wait > 0) throw retry(wait, 'too many failed sign-ins');
        if ((inFlight.get(keys.nameAddress) ?? 0) >= signin) throw retry(1000, 'too many sign-ins at once');
        enter(keys.nameAddress);
        let left = false;
        const done = () => {
          if (!left) leave(keys.nameAddress);
          left = true;
        };
        reply.raw.once('finish', done);
        reply.raw.once('close', done);
      },
      signInFailed: async (request) => {
        const keys = signInKeys(request);
        await Promise.all([
          failedPerNameAddress.record(keys.nameAddress),
          failedPerName.record(keys.name),
          failedPerAddress.record(keys.address),
        ]);
      },
      signUp: async (request) => {
        const wait = await signUpPerAddress.take(rateLimitAddress(request.ip));
        if (wait > 0) throw retry(wait, 'too many sign-ups from this address');
      },
    },
    user: {
      comment: perUser(comments, 'too many comments'),
      videoCreate: perUser(videoCreates, 'too many new videos'),
    },
  };
}
