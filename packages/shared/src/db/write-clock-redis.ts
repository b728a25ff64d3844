import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The cross-process half of the write clock on MySQL: one counter in Redis. */
export interface SharedCounter {
  /** The counter now (one GET, shared by the reads that arrived before it was sent); undefined while Redis is away. */
  read(): string | undefined | Promise<string | undefined>;
  /** After a relevant commit; resolves once the counter has moved (or Redis failed: retried in the background). */
  bump(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A missing key (a new Redis, an eviction, a FLUSHDB) starts again from a random 48-bit value, not
 * from 1: a counter that restarted low could climb back to a value an old cache entry was tagged
 * with. A restart is also a reconnect, which moves `epoch` below.
 */
const BUMP = "if redis.call('exists', KEYS[1]) == 0 then redis.call('set', KEYS[1], ARGV[1]) end return redis.call('incr', KEYS[1])";
const randomStart = () => String(randomInt(2 ** 47));

/** `redis_url` with `?prefix=` (the same namespace every other Redis key of the site uses). */
function parse(redisUrl: string): { url: string; key: string } {
  const u = new URL(redisUrl);
  const prefix = u.searchParams.get('prefix') ?? 'video:';
  u.searchParams.delete('prefix');
  return { url: u.toString(), key: `${prefix}write-clock` };
}

type Waiter = (value: string | undefined) => void;

class RedisCounter implements SharedCounter {
  private client: Redis | undefined;
  private closed = false;
  /** Moves on every reconnect: whatever Redis holds then may be older than what was read before. */
  private epoch = 0;
  private everReady = false;
  /** A bump that failed or found Redis away: retried on reconnect and every second. */
  private pending = false;
  private reported = false;
  private waiting: Waiter[] | null = null;
  private inFlight = false;
  private readonly loading: Promise<void>;
  private readonly started: Promise<void>;
  private readonly retry: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly report: (msg: string) => void,
  ) {
    this.loading = import('ioredis').then(({ Redis }) => this.connect(Redis));
    // A process's first writes may come before its client is up: they wait for it, once and
    // bounded (a Redis down at start costs the first writes 2.5 s, not every write).
    this.started = this.loading.then(() => this.firstReady());
    this.retry = setInterval(() => this.pending && void this.bump(), 1000);
    this.retry.unref();
  }

  read(): string | undefined | Promise<string | undefined> {
    if (!this.client || this.client.status !== 'ready') return undefined;
    return new Promise<string | undefined>((resolve) => {
      (this.waiting ??= []).push(resolve);
      if (!this.inFlight) this.send();
    });
  }

  async bump(): Promise<void> {
    await this.started;
    if (!this.client || this.client.status !== 'ready') {
      this.pending = true;
      return;
    }
    try {
      this.pending = false;
      await this.client.eval(BUMP, 1, this.key, randomStart());
    } catch (err) {
      this.pending = true;
      this.fail('advancing the counter', err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.retry);
    await this.loading;
    this.client?.disconnect();
  }

  private connect(RedisClass: typeof Redis): void {
    if (this.closed) return;
    const c = new RedisClass(this.url, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (times) => Math.min(times * 200, 1000) });
    c.on('error', (err) => this.fail('redis', err));
    c.on('ready', () => {
      if (this.everReady) this.epoch += 1;
      this.everReady = true;
      this.reported = false;
      if (this.pending) void this.bump();
    });
    this.client = c;
  }

  private firstReady(): Promise<void> {
    return new Promise<void>((resolve) => {
      const c = this.client;
      if (!c || c.status === 'ready') return resolve();
      const timer = setTimeout(resolve, 2500);
      timer.unref();
      c.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** One GET for every read that arrived before it was sent; reads arriving meanwhile wait for the next. */
  private send(): void {
    const batch = this.waiting as Waiter[];
    const client = this.client as Redis;
    const epoch = this.epoch;
    this.waiting = null;
    this.inFlight = true;
    client.get(this.key).then(
      (v) => {
        if (v === null) void client.set(this.key, randomStart(), 'NX').catch(() => undefined);
        this.finish(batch, v === null || epoch !== this.epoch ? undefined : `${epoch}:${v}`);
      },
      (err: unknown) => {
        this.fail('reading the counter', err);
        this.finish(batch, undefined);
      },
    );
  }

  private finish(batch: Waiter[], value: string | undefined): void {
    this.inFlight = false;
    for (const w of batch) w(value);
    if (this.waiting) this.send();
  }

  private fail(what: string, err: unknown): void {
    if (!this.reported) this.report(`write clock: ${what} failed (${(err as Error).message}); cached reads are served uncached meanwhile`);
    this.reported = true;
  }
}

export function createSharedCounter(redisUrl: string, report: (msg: string) => void): SharedCounter {
  const { url, key } = parse(redisUrl);
  return new RedisCounter(url, key, report);
}
