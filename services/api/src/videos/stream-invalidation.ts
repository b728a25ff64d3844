import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '@video/shared';
import { newRedis, parseRedisUrl } from '../http/redis-connection.js';

/** How long a delete waits for the stream server before it answers anyway (the row TTL covers the rest). */
const TIMEOUT_MS = 2000;

/**
 * Tells the stream servers "video <id> changed" (deleted; later its privacy) before the api answers,
 * so no row cache keeps serving the old state. With `redis_url` the notice is published on a channel
 * every stream server instance and cluster worker subscribes to; without it (or when the publish
 * fails) it goes to `stream_url`'s internal route. An unreachable stream server does not fail the
 * change: its short row TTL is the backstop, and the miss is logged.
 */
export function createStreamInvalidator(config: Pick<Config, 'stream_url' | 'internal_token' | 'redis_url'>, log: FastifyBaseLogger) {
  const base = config.stream_url.replace(/\/+$/, '');
  let redis: { client: Promise<Redis>; channel: string } | undefined;
  if (config.redis_url !== '') {
    const { url, prefix } = parseRedisUrl(config.redis_url);
    // The channel every stream server instance subscribes to (services/streamserver/src/internal/video-changed-subscriber.ts).
    const channel = `${prefix}stream:video-changed`;
    const client = newRedis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (times) => Math.min(times * 200, 1000) }).then((c) => {
      c.on('error', () => undefined); // each failed publish is logged below
      return c;
    });
    redis = { client, channel };
  }

  async function overHttp(id: string): Promise<void> {
    try {
      const res = await fetch(`${base}/internal/videos/${encodeURIComponent(id)}/changed`, {
        method: 'POST',
        headers: { 'x-internal-token': config.internal_token },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status !== 204) log.warn({ videoId: id, status: res.status }, 'the stream server refused a video-changed notice; its cache expires within a second');
    } catch (err) {
      log.warn({ err, videoId: id }, 'the stream server is unreachable for a video-changed notice; its cache expires within a second');
    }
  }

  async function videoChanged(id: string): Promise<void> {
    if (redis) {
      try {
        await Promise.race([
          redis.client.then((c) => c.publish(redis!.channel, `video ${id} changed`)),
          new Promise((_, reject) => setTimeout(() => reject(new Error('redis publish timed out')), TIMEOUT_MS).unref()),
        ]);
        return;
      } catch (err) {
        log.warn({ err, videoId: id }, 'cannot publish a video-changed notice over redis; telling stream_url instead');
      }
    }
    await overHttp(id);
  }
  videoChanged.close = async (): Promise<void> => {
    if (redis) (await redis.client).disconnect();
  };
  return videoChanged;
}

export type VideoChanged = ReturnType<typeof createStreamInvalidator>;
