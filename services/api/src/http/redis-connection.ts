import type { Redis, RedisOptions } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/**
 * `redis_url` may carry `?prefix=<name>` to keep several sites (or test runs) apart in one Redis;
 * the prefix namespaces keys and channels alike. Default `video:`.
 */
export function parseRedisUrl(redisUrl: string): { url: string; prefix: string } {
  const u = new URL(redisUrl);
  const prefix = u.searchParams.get('prefix') ?? 'video:';
  u.searchParams.delete('prefix');
  return { url: u.toString(), prefix };
}

/**
 * A client for `url`. ioredis is loaded here, on the first connection, so an api without `redis_url`
 * never loads it (services/api/test/module-graph.test.ts checks).
 */
export async function newRedis(url: string, options: RedisOptions): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url, options);
}

export async function connectRedis(url: string, log: FastifyBaseLogger, role: string): Promise<Redis> {
  const client = await newRedis(url, {
    // A request must not hang while Redis is away: fail it quickly and let the caller degrade.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 1000),
    lazyConnect: false,
  });
  let reported = false;
  client.on('error', (err) => {
    if (!reported) log.warn({ err, role }, 'redis connection failed; retrying');
    reported = true;
  });
  client.on('ready', () => {
    if (reported) log.info({ role }, 'redis connection restored');
    reported = false;
  });
  return client;
}

/** Resolves when the client is connected, or after `timeoutMs` (the app starts degraded then). */
export async function waitReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => client.once('ready', () => resolve(true))),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return ready;
}
