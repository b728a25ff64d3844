import type { DanmakuTuple } from './danmaku-format.js';

/** What travels between the instances that hold viewers of one video. */
export type RoomEvent =
  | { type: 'danmaku'; id: string; data: DanmakuTuple; nonce?: string }
  | { type: 'delete'; id: string }
  | { type: 'viewers-changed' };

export interface ViewerEntry {
  videoId: string;
  /** `<instance>:<socket>`, unique across instances. */
  member: string;
  /** The viewer counts until this time (ms), unless refreshed. */
  expiresAt: number;
}

/**
 * Where rooms and counts live: in this process (one instance) or in Redis (several). Every event
 * published for a video reaches each subscribed instance once, the publisher included, so an
 * instance handles its own events on the same path as everybody else's.
 */
export interface Backplane {
  readonly kind: 'local' | 'redis';
  onEvent(handler: (videoId: string, event: RoomEvent) => void): void;
  subscribe(videoId: string): Promise<void>;
  unsubscribe(videoId: string): Promise<void>;
  publish(videoId: string, event: RoomEvent): Promise<void>;
  upsertViewers(entries: ViewerEntry[]): Promise<void>;
  removeViewer(videoId: string, member: string): Promise<void>;
  /** Viewers not yet expired at `now`, per video, in the order asked. */
  countViewers(videoIds: string[], now: number): Promise<number[]>;
  close(): Promise<void>;
}

/** The embedded default: one process is the whole truth. */
export class LocalBackplane implements Backplane {
  readonly kind = 'local' as const;
  private handler: (videoId: string, event: RoomEvent) => void = () => {};
  private readonly viewers = new Map<string, Map<string, number>>();

  onEvent(handler: (videoId: string, event: RoomEvent) => void): void {
    this.handler = handler;
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async publish(videoId: string, event: RoomEvent): Promise<void> {
    // Delivered after the publisher's own bookkeeping, as it would be through Redis.
    queueMicrotask(() => this.handler(videoId, event));
  }

  async upsertViewers(entries: ViewerEntry[]): Promise<void> {
    for (const { videoId, member, expiresAt } of entries) {
      let room = this.viewers.get(videoId);
      if (!room) this.viewers.set(videoId, (room = new Map()));
      room.set(member, expiresAt);
    }
  }

  async removeViewer(videoId: string, member: string): Promise<void> {
    const room = this.viewers.get(videoId);
    if (!room) return;
    room.delete(member);
    if (room.size === 0) this.viewers.delete(videoId);
  }

  async countViewers(videoIds: string[], now: number): Promise<number[]> {
    return videoIds.map((id) => {
      const room = this.viewers.get(id);
      if (!room) return 0;
      let n = 0;
      for (const [member, expiresAt] of room) {
        if (expiresAt > now) n++;
        else room.delete(member);
      }
      if (room.size === 0) this.viewers.delete(id);
      return n;
    });
  }

  async close(): Promise<void> {
    this.viewers.clear();
  }
}
