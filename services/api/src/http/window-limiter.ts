import type { Redis } from 'ioredis';

/** A sliding window: at most `max` hits per key in any `windowMs`. */
export interface WindowRule {
  name: string;
  max: number;
  windowMs: number;
}

/**
 * Counters of one rule. Every method answers 0 (allowed) or the ms to wait until a hit would be.
 * - `wait` only looks;
 * - `take` records a hit only when it is allowed (a request that is let through);
 * - `record` records a hit even over the limit (a failure that already happened).
 */
export interface WindowLimiter {
  wait(key: string): Promise<number>;
  take(key: string): Promise<number>;
  record(key: string): Promise<void>;
}

/** Live keys one local limiter holds at most; past it new keys are refused, never old ones dropped. */
export const DEFAULT_MAX_KEYS = 200_000;

/**
 * Counters in this process. A live counter is never evicted, whatever is flooded in: expired keys
 * are swept (on a timer, and before refusing), and past `maxKeys` live keys a new key is refused
 * (treated as over its limit) rather than pushing an old one out, which would reset it.
 */
export class LocalWindowLimiter implements WindowLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly rule: WindowRule,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.min(rule.windowMs, 60_000));
    this.timer.unref();
  }

  get size(): number {
    return this.hits.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  async wait(key: string): Promise<number> {
    return this.waitAt(key, this.now());
  }

  async take(key: string): Promise<number> {
    const now = this.now();
    const wait = this.waitAt(key, now);
    if (wait === 0) this.push(key, now);
    return wait;
  }

  async record(key: string): Promise<void> {
    if (this.hasRoomFor(key)) this.push(key, this.now());
  }

  private live(key: string, now: number): number[] {
    const since = now - this.rule.windowMs;
    const times = this.hits.get(key);
    if (!times) return [];
    const kept = times.filter((t) => t > since);
    if (kept.length === 0) this.hits.delete(key);
    else if (kept.length !== times.length) this.hits.set(key, kept);
    return kept;
  }

  private waitAt(key: string, now: number): number {
    const times = this.live(key, now);
    if (times.length === 0 && !this.hasRoomFor(key)) return this.rule.windowMs;
    if (times.length < this.rule.max) return 0;
    return Math.max(1, times[times.length - this.rule.max]! + this.rule.windowMs - now);
  }

  private push(key: string, now: number): void {
    const times = this.hits.get(key) ?? [];
    times.push(now);
    // Only the newest `max` hits decide the wait: older ones need not be kept.
    if (times.length > this.rule.max) times.splice(0, times.length - this.rule.max);
    this.hits.set(key, times);
  }

  private hasRoomFor(key: string): boolean {
    if (this.hits.has(key) || this.hits.size < this.maxKeys) return true;
    this.sweep();
    return this.hits.size < this.maxKeys;
  }

  private sweep(): void {
    const since = this.now() - this.rule.windowMs;
    for (const [key, times] of this.hits) if (times[times.length - 1]! <= since) this.hits.delete(key);
  }
}

// One atomic step per call, so two instances cannot both let the last allowed hit through.
// ARGV[5] is the mode: 'wait', 'take' or 'record'. Keys expire with their window: nothing is evicted.
const SLIDING_WINDOW = `
local key, now, window, max, member, mode = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if mode == 'record' then
  redis.call('ZADD', key, now, member)
  if count + 1 > max then redis.call('ZREMRANGEBYRANK', key, 0, count - max) end
  redis.call('PEXPIRE', key, window)
  return 0
end
if count >= max then
  local oldest = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
if mode == 'take' then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
end
return 0
`;

let seq = 0;

/** Counters in Redis, shared by every instance; while Redis is away, each instance counts on its own. */
export class RedisWindowLimiter implements WindowLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly instanceId: string,
    private readonly rule: WindowRule,
    private readonly fallback: LocalWindowLimiter,
    private readonly onFallback: (err: unknown) => void = () => {},
  ) {}

  async wait(key: string): Promise<number> {
    return this.run(key, 'wait', () => this.fallback.wait(key));
  }

  async take(key: string): Promise<number> {
    return this.run(key, 'take', () => this.fallback.take(key));
  }

  async record(key: string): Promise<void> {
    await this.run(key, 'record', async () => {
      await this.fallback.record(key);
      return 0;
    });
  }

  private async run(key: string, mode: string, local: () => Promise<number>): Promise<number> {
    const now = Date.now();
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
      const member = `${now}:${this.instanceId}:${++seq}`;
      const wait = await this.redis.eval(SLIDING_WINDOW, 1, `${this.keyPrefix}rate:${this.rule.name}:${key}`, now, this.rule.windowMs, this.rule.max, member, mode);
      return Math.max(0, Number(wait));
    } catch (err) {
      this.onFallback(err);
      return local();
    }
  }
}
