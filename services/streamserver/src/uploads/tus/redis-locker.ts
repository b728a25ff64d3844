import { randomBytes } from 'node:crypto';
import type { Lock, Locker, RequestRelease } from '@tus/server';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { conflict, unavailable } from '@video/shared';

export interface RedisLockerOptions {
  /** How long a request waits for the lock before it is refused (409, which tus clients retry). */
  acquireTimeoutMs?: number;
  /** The lock's expiry in Redis, renewed while held: a killed holder frees it within this time. */
  ttlMs?: number;
  pollMs?: number;
}

// Release and renew only what this holder still owns (the token), never a successor's lock.
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * tus upload locks shared by every stream server on one video_dir: one request at a time per upload,
 * whichever instance it reaches. A waiting request asks the holder to let go (over pub/sub, so the
 * holder may be another instance), as @tus/server's in-process locker does: a resumed upload is not
 * stuck behind the half-open PATCH it replaces. While Redis is away uploads are refused with 503,
 * never written without the lock.
 */
export class RedisLocker implements Locker {
  /** Locks this instance holds: upload id → what to call when another request wants it. */
  readonly held = new Map<string, RequestRelease>();
  readonly acquireTimeoutMs: number;
  readonly ttlMs: number;
  readonly pollMs: number;

  constructor(
    readonly redis: Redis,
    private readonly sub: Redis,
    readonly prefix: string,
    options: RedisLockerOptions = {},
  ) {
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.pollMs = options.pollMs ?? 25;
    this.sub.on('message', (channel: string, id: string) => {
      if (channel === this.releaseChannel) void this.held.get(id)?.();
    });
  }

  get releaseChannel(): string {
    return `${this.prefix}tus:release`;
  }

  keyOf(id: string): string {
    return `${this.prefix}tus:lock:${id}`;
  }

  async start(): Promise<void> {
    await this.sub.subscribe(this.releaseChannel);
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    this.redis.disconnect();
  }
}

class RedisLock implements Lock {
  private token = '';
  private release: RequestRelease | undefined;
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly locker: RedisLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { redis } = this.locker;
    const key = this.locker.keyOf(this.id);
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + this.locker.acquireTimeoutMs;
    let askedAt = 0;
    for (;;) {
      if (signal.aborted) throw conflict('the upload request was cancelled while it waited for its lock');
      if (redis.status !== 'ready') throw unavailable('upload locks are unavailable (redis), try again shortly');
      const got = await redis.set(key, token, 'PX', this.locker.ttlMs, 'NX').catch((err: unknown) => {
        throw unavailable('upload locks are unavailable (redis), try again shortly', err);
      });
      if (got === 'OK') break;
      if (Date.now() - askedAt > 1000) {
        askedAt = Date.now();
        await redis.publish(this.locker.releaseChannel, this.id).catch(() => undefined);
      }
      if (Date.now() > deadline) throw conflict('another request holds this upload: send HEAD, then resume');
      await sleep(this.locker.pollMs);
    }
    this.token = token;
    this.release = requestRelease;
    this.locker.held.set(this.id, requestRelease);
    this.renewal = setInterval(() => {
      redis.eval(RENEW, 1, key, token, this.locker.ttlMs).catch(() => undefined);
    }, Math.max(100, Math.floor(this.locker.ttlMs / 3)));
    this.renewal.unref();
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewal);
    if (this.release && this.locker.held.get(this.id) === this.release) this.locker.held.delete(this.id);
    if (!this.token) return;
    const token = this.token;
    this.token = '';
    // A lost unlock only delays the next request by the lock's expiry.
    await this.locker.redis.eval(UNLOCK, 1, this.locker.keyOf(this.id), token).catch(() => undefined);
  }
}

/** The locker for `redis_url` (ioredis loaded only then); `?prefix=` namespaces it as elsewhere. */
export async function createRedisLocker(redisUrl: string, log: FastifyBaseLogger, options: RedisLockerOptions = {}): Promise<RedisLocker> {
  const u = new URL(redisUrl);
  const prefix = u.searchParams.get('prefix') ?? 'video:';
  u.searchParams.delete('prefix');
  const { Redis } = await import('ioredis');
  const connect = (role: string) => {
    const client = new Redis(u.toString(), { connectTimeout: 2000, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 200, 1000) });
    let reported = false;
    client.on('error', (err) => {
      if (!reported) log.warn({ err, role }, 'redis for tus upload locks failed; uploads answer 503 until it is back');
      reported = true;
    });
    client.on('ready', () => {
      reported = false;
    });
    return client;
  };
  const locker = new RedisLocker(connect('tus-locks'), connect('tus-release'), prefix, options);
  await Promise.race([locker.start().catch((err) => log.warn({ err }, 'cannot subscribe to tus release requests yet')), sleep(2000)]);
  return locker;
}
