import type { Redis } from 'ioredis';
import type { Backplane, RoomEvent, ViewerEntry } from './live-backplane.js';

/** While Redis is away, fail at once rather than queue: callers degrade instead of waiting. */
export function assertReady(client: Redis): void {
  if (client.status !== 'ready') throw Object.assign(new Error(`redis is ${client.status}`), { code: 'ECONNREFUSED' });
}

/**
 * Rooms across instances: one pub/sub channel per watched video (an instance subscribes while it
 * has a viewer of it), and one sorted set per video of `instance:socket` members scored by when
 * they expire, so a crashed instance's viewers age out on their own.
 */
export class RedisBackplane implements Backplane {
  readonly kind = 'redis' as const;
  private handler: (videoId: string, event: RoomEvent) => void = () => {};
  private readonly channelPrefix: string;

  constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly keyTtlMs: number,
  ) {
    this.channelPrefix = `${prefix}danmaku:room:`;
    sub.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.channelPrefix)) return;
      let event: RoomEvent;
      try {
        event = JSON.parse(message) as RoomEvent;
      } catch {
        return;
      }
      this.handler(channel.slice(this.channelPrefix.length), event);
    });
  }

  private viewersKey(videoId: string): string {
    return `${this.prefix}danmaku:viewers:${videoId}`;
  }

  onEvent(handler: (videoId: string, event: RoomEvent) => void): void {
    this.handler = handler;
  }

  async subscribe(videoId: string): Promise<void> {
    assertReady(this.sub);
    await this.sub.subscribe(this.channelPrefix + videoId);
  }

  async unsubscribe(videoId: string): Promise<void> {
    assertReady(this.sub);
    await this.sub.unsubscribe(this.channelPrefix + videoId);
  }

  async publish(videoId: string, event: RoomEvent): Promise<void> {
    assertReady(this.cmd);
    await this.cmd.publish(this.channelPrefix + videoId, JSON.stringify(event));
  }

  async upsertViewers(entries: ViewerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    assertReady(this.cmd);
    const now = Date.now();
    const multi = this.cmd.multi();
    const keys = new Set<string>();
    for (const e of entries) {
      const key = this.viewersKey(e.videoId);
      multi.zadd(key, e.expiresAt, e.member);
      keys.add(key);
    }
    for (const key of keys) {
      multi.zremrangebyscore(key, '-inf', now);
      // The set outlives its last refresh by a margin, then Redis drops it.
      multi.pexpire(key, this.keyTtlMs);
    }
    await multi.exec();
  }

  async removeViewer(videoId: string, member: string): Promise<void> {
    assertReady(this.cmd);
    await this.cmd.zrem(this.viewersKey(videoId), member);
  }

  async countViewers(videoIds: string[], now: number): Promise<number[]> {
    if (videoIds.length === 0) return [];
    assertReady(this.cmd);
    const pipe = this.cmd.pipeline();
    for (const id of videoIds) pipe.zcount(this.viewersKey(id), `(${now}`, '+inf');
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, n]) => {
      if (err) throw err;
      return Number(n);
    });
  }

  async close(): Promise<void> {
    await Promise.all([closeRedis(this.sub), closeRedis(this.cmd)]);
  }
}

/** QUIT politely, but never wait long for a Redis that is away. */
export async function closeRedis(client: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
  client.disconnect();
}
