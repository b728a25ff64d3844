import type { Redis } from 'ioredis';

/** Hands stored notifications to the api instances' live delivery. */
export interface AnnouncePublisher {
  publish(stored: { id: string; userId: number }[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * With `redis_url`, each notification is published on its user's channel, the name the api
 * subscribes (services/api/src/notifications/notification-fanout.ts: keep the two in step). Without
 * Redis there is one api process, which polls for rows of its connected users instead.
 */
export function createAnnouncePublisher(redisUrl: string): AnnouncePublisher {
  if (!redisUrl) return { publish: async () => undefined, close: async () => undefined };
  const u = new URL(redisUrl);
  const prefix = u.searchParams.get('prefix') ?? 'video:';
  u.searchParams.delete('prefix');
  // ioredis is loaded with the first publish: a scheduler without redis_url never loads it, and one
  // with it connects when there is something to say.
  let client: Promise<Redis> | undefined;
  const connect = async (): Promise<Redis> => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(u.toString(), { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
    redis.on('error', () => undefined);
    return redis;
  };
  return {
    async publish(stored) {
      const redis = await (client ??= connect());
      if (redis.status === 'wait') await redis.connect();
      for (let i = 0; i < stored.length; i += 1000) {
        const pipe = redis.pipeline();
        for (const s of stored.slice(i, i + 1000)) pipe.publish(`${prefix}notifications:user:${s.userId}`, JSON.stringify(s));
        await pipe.exec();
      }
    },
    async close() {
      if (client) (await client).disconnect();
    },
  };
}
