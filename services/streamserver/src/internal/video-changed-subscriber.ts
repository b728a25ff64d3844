import type { FastifyBaseLogger } from 'fastify';

/**
 * The pub/sub channel on which the api announces "video <id> changed" (deleted, later its privacy).
 * `redis_url` may carry `?prefix=<name>` (as the api's danmaku does) to keep several sites apart.
 */
export function videoChangedChannel(redisUrl: string): { url: string; channel: string } {
  const u = new URL(redisUrl);
  const prefix = u.searchParams.get('prefix') ?? 'video:';
  u.searchParams.delete('prefix');
  return { url: u.toString(), channel: `${prefix}stream:video-changed` };
}

const MESSAGE = /^video (\S{1,64}) changed$/;

/** The video id of a "video <id> changed" message, or undefined for anything else. */
export function parseVideoChanged(message: string): string | undefined {
  return MESSAGE.exec(message)?.[1];
}

/**
 * Every stream server instance (and cluster worker) subscribes, and drops the named video's cached
 * row when the message arrives. While Redis is away the row TTL is the backstop.
 */
export async function subscribeVideoChanged(
  redisUrl: string,
  log: FastifyBaseLogger,
  onChanged: (id: string) => void,
): Promise<() => Promise<void>> {
  const { url, channel } = videoChangedChannel(redisUrl);
  // Loaded only when redis_url is set: ioredis adds about 20 MB to an idle process that never uses it.
  const { Redis } = await import('ioredis');
  const sub = new Redis(url, { connectTimeout: 2000, retryStrategy: (times) => Math.min(times * 200, 1000), maxRetriesPerRequest: null });
  let reported = false;
  sub.on('error', (err) => {
    if (!reported) log.warn({ err }, 'redis subscription for video-changed notices failed; retrying (cached rows expire within a second)');
    reported = true;
  });
  sub.on('ready', () => {
    if (reported) log.info('redis subscription for video-changed notices restored');
    reported = false;
  });
  sub.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    const id = parseVideoChanged(message);
    if (id !== undefined) onChanged(id);
  });
  // ioredis re-subscribes after a reconnect on its own.
  await Promise.race([sub.subscribe(channel).catch((err) => log.warn({ err }, 'cannot subscribe to video-changed notices yet')), new Promise((r) => setTimeout(r, 2000).unref())]);
  return async () => {
    sub.disconnect();
  };
}
