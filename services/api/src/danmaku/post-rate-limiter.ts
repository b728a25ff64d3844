import type { Redis } from 'ioredis';

export interface RateLimit {
  max: number;
  windowMs: number;
}

/** A sliding window of posts per user. `hit` records a post and answers 0, or the ms to wait. */
export interface PostRateLimiter {
  hit(userId: number, now: number): Promise<number>;
}

export class LocalRateLimiter implements PostRateLimiter {
  private readonly hits = new Map<number, number[]>();

  constructor(private readonly limit: RateLimit) {}

  async hit(userId: number, now: number): Promise<number> {
    const since = now - this.limit.windowMs;
    if (this.hits.size > 10_000) this.prune(since);
    const times = (this.hits.get(userId) ?? []).filter((t) => t > since);
    if (times.length >= this.limit.max) {
      this.hits.set(userId, times);
      return times[0]! + this.limit.windowMs - now;
    }
    times.push(now);
    this.hits.set(userId, times);
    return 0;
  }

  private prune(since: number): void {
    for (const [user, times] of this.hits) if (times.every((t) => t <= since)) this.hits.delete(user);
  }
}

// Atomic check-and-record, so two instances cannot both let the sixth post through.
const SLIDING_WINDOW = `
local key, now, window, max, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= max then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, window)
return 0
`;

/** Shared by every instance; while Redis is away, each instance limits on its own instead. */
export class RedisRateLimiter implements PostRateLimiter {
  private seq = 0;
  private readonly fallback: LocalRateLimiter;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly limit: RateLimit,
    private readonly onFallback: (err: unknown) => void = () => {},
  ) {
    this.fallback = new LocalRateLimiter(limit);
  }

  async hit(userId: number, now: number): Promise<number> {
    const member = `${now}:${this.instanceId}:${++this.seq}`;
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
      const wait = await this.redis.eval(
        SLIDING_WINDOW,
        1,
        `${this.prefix}danmaku:rate:${userId}`,
        now,
        this.limit.windowMs,
        this.limit.max,
        member,
      );
      return Math.max(0, Number(wait));
    } catch (err) {
      this.onFallback(err);
      return this.fallback.hit(userId, now);
    }
  }
}
