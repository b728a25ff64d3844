import type { FastifyBaseLogger } from 'fastify';
import { unavailable } from '@video/shared';
import type { Backplane, RoomEvent } from './live-backplane.js';

/** One open player: a WebSocket seen through the little the hub needs of it. */
export interface Viewer {
  readonly videoId: string;
  /** Unique across instances: `<instance>:<n>`. */
  member: string;
  /** The signed-in user behind the socket, if any (a ban closes their sockets). */
  readonly userId?: number | null;
  lastSeen: number;
  send(message: string): void;
  close(code: number, reason: string): void;
}

export interface LiveOptions {
  /** A viewer who sends nothing (not even a heartbeat) for this long stops counting and is closed. */
  viewerTtlMs: number;
  /** How often idle viewers are closed, counts refreshed, and other instances' expiries noticed. */
  sweepIntervalMs: number;
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = { viewerTtlMs: 45_000, sweepIntervalMs: 5_000 };

interface Room {
  viewers: Set<Viewer>;
  /** The count this instance last pushed to the room. */
  lastCount: number;
  /** The room's subscription; every join waits for it before it counts itself in. */
  subscribed: Promise<void>;
  /** Set while the subscription failed (Redis away); the sweep tries again. */
  unsubscribed?: boolean;
  recount?: NodeJS.Timeout;
}

/**
 * The rooms of this instance: who is watching what here, and the push of danmaku and counts to them.
 * Counts and fan-out go through the backplane, so with Redis every instance pushes the same number.
 */
export class LiveHub {
  private readonly rooms = new Map<string, Room>();
  private readonly sweeper: NodeJS.Timeout;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly backplane: Backplane,
    private readonly instanceId: string,
    private readonly options: LiveOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    backplane.onEvent((videoId, event) => this.deliver(videoId, event));
    this.sweeper = setInterval(() => void this.sweep(), options.sweepIntervalMs);
    this.sweeper.unref();
  }

  nextMember(): string {
    return `${this.instanceId}:${++this.seq}`;
  }

  /** Adds the viewer and tells it the count (itself included); everyone else hears of the change. */
  async join(viewer: Viewer): Promise<void> {
    let room = this.rooms.get(viewer.videoId);
    if (!room) {
      room = { viewers: new Set(), lastCount: -1, subscribed: Promise.resolve() };
      this.subscribe(viewer.videoId, room);
      this.rooms.set(viewer.videoId, room);
    }
    room.viewers.add(viewer);
    try {
      // Subscribed before the first count goes out, so a viewer that has its count misses no danmaku.
      await room.subscribed;
      await this.backplane.upsertViewers([
        { videoId: viewer.videoId, member: viewer.member, expiresAt: viewer.lastSeen + this.options.viewerTtlMs },
      ]);
      await this.backplane.publish(viewer.videoId, { type: 'viewers-changed' });
      const [count] = await this.backplane.countViewers([viewer.videoId], Date.now());
      viewer.send(JSON.stringify({ type: 'viewers', count }));
    } catch (err) {
      this.log.warn({ err, video: viewer.videoId }, 'live room join degraded');
    }
  }

  async leave(viewer: Viewer): Promise<void> {
    const room = this.rooms.get(viewer.videoId);
    if (!room || !room.viewers.delete(viewer)) return;
    const steps: Promise<void>[] = [];
    if (room.viewers.size === 0) {
      this.rooms.delete(viewer.videoId);
      clearTimeout(room.recount);
      // Issued now, before any later join's subscribe, so the two reach Redis in order.
      steps.push(this.backplane.unsubscribe(viewer.videoId));
    }
    steps.push(
      this.backplane
        .removeViewer(viewer.videoId, viewer.member)
        .then(() => this.backplane.publish(viewer.videoId, { type: 'viewers-changed' })),
    );
    for (const result of await Promise.allSettled(steps)) {
      if (result.status === 'rejected') this.log.warn({ err: result.reason, video: viewer.videoId }, 'live room leave degraded');
    }
  }

  private subscribe(videoId: string, room: Room): void {
    room.unsubscribed = false;
    room.subscribed = this.backplane.subscribe(videoId).catch((err: unknown) => {
      room.unsubscribed = true;
      throw err;
    });
    // Joins await it and log; this only keeps a failure from counting as unhandled.
    room.subscribed.catch(() => undefined);
  }

  /** Closes every socket of this user here (a ban); their leave runs as each closes. */
  closeUser(userId: number, code: number, reason: string): void {
    for (const room of this.rooms.values()) for (const viewer of room.viewers) if (viewer.userId === userId) viewer.close(code, reason);
  }

  touch(viewer: Viewer, now = Date.now()): void {
    viewer.lastSeen = now;
  }

  /** Pushes an event to every viewer of the video on every instance. */
  async publish(videoId: string, event: RoomEvent): Promise<void> {
    await this.backplane.publish(videoId, event);
  }

  async counts(videoIds: string[]): Promise<number[]> {
    try {
      return await this.backplane.countViewers(videoIds, Date.now());
    } catch (err) {
      throw unavailable('viewer counts are unavailable, try again shortly', err);
    }
  }

  get localViewers(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.viewers.size;
    return n;
  }

  private deliver(videoId: string, event: RoomEvent): void {
    const room = this.rooms.get(videoId);
    if (!room) return;
    if (event.type === 'viewers-changed') {
      this.scheduleRecount(videoId, room);
      return;
    }
    const message = JSON.stringify(event);
    for (const viewer of room.viewers) viewer.send(message);
  }

  /** Many joins and leaves at once coalesce into one count, read after they all landed. */
  private scheduleRecount(videoId: string, room: Room): void {
    if (room.recount) return;
    room.recount = setTimeout(() => {
      room.recount = undefined;
      void this.recount(videoId, room);
    }, 15);
  }

  private async recount(videoId: string, room: Room): Promise<void> {
    try {
      const [count] = await this.backplane.countViewers([videoId], Date.now());
      if (count === undefined || count === room.lastCount || this.rooms.get(videoId) !== room) return;
      room.lastCount = count;
      const message = JSON.stringify({ type: 'viewers', count });
      for (const viewer of room.viewers) viewer.send(message);
    } catch (err) {
      this.log.warn({ err, video: videoId }, 'viewer count failed');
    }
  }

  /** Closes the silent, refreshes everyone else's expiry, and notices viewers gone elsewhere. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.closed) return;
    const alive = [];
    for (const room of this.rooms.values()) {
      for (const viewer of room.viewers) {
        if (viewer.lastSeen + this.options.viewerTtlMs <= now) viewer.close(4408, 'no heartbeat');
        else alive.push({ videoId: viewer.videoId, member: viewer.member, expiresAt: viewer.lastSeen + this.options.viewerTtlMs });
      }
    }
    try {
      await this.backplane.upsertViewers(alive);
    } catch (err) {
      this.log.warn({ err }, 'viewer refresh failed');
    }
    for (const [videoId, room] of this.rooms) {
      if (room.unsubscribed) this.subscribe(videoId, room);
      this.scheduleRecount(videoId, room);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const rooms = [...this.rooms];
    this.rooms.clear();
    // Other instances stop counting these viewers now rather than when their entries expire.
    await Promise.allSettled(
      rooms.map(async ([videoId, room]) => {
        clearTimeout(room.recount);
        for (const viewer of room.viewers) {
          viewer.close(1001, 'server shutting down');
          await this.backplane.removeViewer(videoId, viewer.member);
        }
        await this.backplane.publish(videoId, { type: 'viewers-changed' });
      }),
    );
    await this.backplane.close();
  }
}
