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

export function createSharedCounter(redisUrl: string, report: (msg: string) => void): SharedCounter {
  const { url, key } = parse(redisUrl);
  let client: Redis | undefined;
  let closed = false;
  let epoch = 0;
  let everReady = false;
  let pending = false;
  let reported = false;
  let waiting: Waiter[] | null = null;
  let inFlight = false;

  const fail = (what: string, err: unknown) => {
    if (!reported) report(`write clock: ${what} failed (${(err as Error).message}); cached reads are served uncached meanwhile`);
    reported = true;
  };
  const loading = import('ioredis').then(({ Redis }) => {
    if (closed) return;
    const c = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (times) => Math.min(times * 200, 1000) });
    c.on('error', (err) => fail('redis', err));
    c.on('ready', () => {
      // Whatever Redis holds now may be older than what was read before the outage.
      if (everReady) epoch += 1;
      everReady = true;
      reported = false;
      if (pending) void bump();
    });
    client = c;
  });
  const retry = setInterval(() => pending && void bump(), 1000);
  retry.unref();

  const finish = (batch: Waiter[], value: string | undefined) => {
    inFlight = false;
    for (const w of batch) w(value);
    if (waiting) send();
  };
  const send = () => {
    const batch = waiting as Waiter[];
    waiting = null;
    inFlight = true;
    const e = epoch;
    (client as Redis).get(key).then(
      (v) => {
        if (v === null) void (client as Redis).set(key, randomStart(), 'NX').catch(() => undefined);
        finish(batch, v === null || e !== epoch ? undefined : `${e}:${v}`);
      },
      (err: unknown) => {
        fail('reading the counter', err);
        finish(batch, undefined);
      },
    );
  };

  /**
   * A process's first writes may come before its client is up: they wait for it, once and bounded
   * (a Redis down at start costs the first writes 2.5 s, not every write).
   */
  const started = loading.then(
    () =>
      new Promise<void>((resolve) => {
        if (!client || client.status === 'ready') return resolve();
        const timer = setTimeout(resolve, 2500);
        timer.unref();
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  );

  async function bump(): Promise<void> {
    await started;
    if (!client || client.status !== 'ready') {
      pending = true;
      return;
    }
    try {
      pending = false;
      await client.eval(BUMP, 1, key, randomStart());
    } catch (err) {
      pending = true;
      fail('advancing the counter', err);
    }
  }

  return {
    read() {
      if (!client || client.status !== 'ready') return undefined;
      return new Promise<string | undefined>((resolve) => {
        (waiting ??= []).push(resolve);
        if (!inFlight) send();
      });
    },
    bump,
    async close() {
      closed = true;
      clearInterval(retry);
      await loading;
      client?.disconnect();
    },
  };
}
