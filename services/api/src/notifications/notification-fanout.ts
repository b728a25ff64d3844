import type { Redis } from 'ioredis';
import { assertReady, closeRedis } from '../danmaku/redis-backplane.js';

/**
 * The per-user channel name. The scheduler publishes the notifications it stores (new_video) on the
 * same name (services/scheduler/src/announce/announce-publisher.ts): keep the two in step.
 */
export function notificationChannel(prefix: string, userId: number): string {
  return `${prefix}notifications:user:${userId}`;
}

/**
 * How a stored notification reaches every instance holding a socket of its user. Every publish
 * reaches each subscribed instance once, the publisher included, so an instance delivers its own
 * notifications on the same path as everybody else's.
 */
export interface Fanout {
  readonly kind: 'local' | 'redis';
  onMessage(handler: (userId: number, id: string) => void): void;
  subscribe(userId: number): Promise<void>;
  unsubscribe(userId: number): Promise<void>;
  publish(userId: number, id: string): Promise<void>;
  close(): Promise<void>;
}

/** One process is the whole site: a publish is a call, a little later, of the handler. */
export class LocalFanout implements Fanout {
  readonly kind = 'local' as const;
  private handler: (userId: number, id: string) => void = () => {};

  onMessage(handler: (userId: number, id: string) => void): void {
    this.handler = handler;
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async publish(userId: number, id: string): Promise<void> {
    queueMicrotask(() => this.handler(userId, id));
  }

  async close(): Promise<void> {}
}

/** A channel per user, subscribed by an instance while it holds a socket of that user. */
export class RedisFanout implements Fanout {
  readonly kind = 'redis' as const;
  private handler: (userId: number, id: string) => void = () => {};
  private readonly channelPrefix: string;

  constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
  ) {
    this.channelPrefix = notificationChannel(prefix, 0).slice(0, -1);
    sub.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.channelPrefix)) return;
      const userId = Number(channel.slice(this.channelPrefix.length));
      let body: { id?: unknown };
      try {
        body = JSON.parse(message) as { id?: unknown };
      } catch {
        return;
      }
      if (Number.isSafeInteger(userId) && typeof body.id === 'string') this.handler(userId, body.id);
    });
  }

  onMessage(handler: (userId: number, id: string) => void): void {
    this.handler = handler;
  }

  async subscribe(userId: number): Promise<void> {
    assertReady(this.sub);
    await this.sub.subscribe(notificationChannel(this.prefix, userId));
  }

  async unsubscribe(userId: number): Promise<void> {
    assertReady(this.sub);
    await this.sub.unsubscribe(notificationChannel(this.prefix, userId));
  }

  async publish(userId: number, id: string): Promise<void> {
    assertReady(this.cmd);
    await this.cmd.publish(notificationChannel(this.prefix, userId), JSON.stringify({ id, userId }));
  }

  async close(): Promise<void> {
    await Promise.all([closeRedis(this.sub), closeRedis(this.cmd)]);
  }
}
