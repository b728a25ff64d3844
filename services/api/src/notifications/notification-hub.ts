import type { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '@video/shared';
import type { Fanout } from './notification-fanout.js';
import type { NotificationRow } from './notifications-repository.js';
import { countUnreadByUser, findNotifications, recentNotificationIds } from './notifications-repository.js';
import { notificationJson } from './notifications-views.js';
import { notificationEvents, type StoredNotification } from './notify.js';

/** One open bell: a WebSocket seen through the little the hub needs of it. */
export interface Listener {
  readonly userId: number;
  /** '' for a caller with an access token: its socket lives until `expiresAt` (the token's exp). */
  readonly sessionId: string;
  readonly expiresAt?: number;
  send(message: string): void;
  close(code: number, reason: string): void;
}

export interface HubOptions {
  /** How often sockets of signed-out or expired sessions are closed and idle channels dropped. */
  sweepMs: number;
  /** Without Redis: how often rows stored by other processes (the scheduler) are looked for. */
  pollMs: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = { sweepMs: 10_000, pollMs: 500 };

interface UserEntry {
  listeners: Set<Listener>;
  /** The last time a socket of this user was on its way; the channel is kept a while after the last one leaves. */
  wantedAt: number;
  subscribed: Promise<void>;
}

/** How far back the no-Redis poll looks: a row's time is taken before its transaction commits. */
const POLL_SLACK_MS = 5_000;

/**
 * This instance's notification sockets, by user. Each stored notification is published on its
 * user's channel (Redis, or this process), and every instance holding a socket of that user loads
 * the row and pushes it. Without Redis, rows written by another process are found by polling.
 */
export class NotificationHub {
  private readonly users = new Map<number, UserEntry>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** `id:created_at` of pushes already made, so the poll does not repeat them. */
  private readonly pushed = new Map<string, number>();
  private polledTo = Date.now();
  /** Pushes waiting for the next batch load: notification id → user. */
  private readonly queued = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private readonly onStored = (s: StoredNotification) => void this.publish(s);

  constructor(
    private readonly db: Db,
    private readonly fanout: Fanout,
    private readonly options: HubOptions,
    private readonly log: FastifyBaseLogger,
    private readonly events: EventEmitter = notificationEvents,
  ) {
    fanout.onMessage((userId, id) => void this.deliver(userId, id));
    events.on('stored', this.onStored);
    this.timers.push(setInterval(() => void this.sweep(), options.sweepMs));
    if (fanout.kind === 'local') this.timers.push(setInterval(() => void this.poll(), options.pollMs));
    for (const t of this.timers) t.unref();
  }

  /** Subscribes the user's channel before the socket opens, so an open socket misses nothing. */
  async prepare(userId: number): Promise<void> {
    let entry = this.users.get(userId);
    if (!entry) {
      entry = { listeners: new Set(), wantedAt: Date.now(), subscribed: this.fanout.subscribe(userId) };
      entry.subscribed.catch(() => undefined);
      this.users.set(userId, entry);
    }
    entry.wantedAt = Date.now();
    try {
      await entry.subscribed;
    } catch (err) {
      this.users.delete(userId);
      this.log.warn({ err }, 'notification channel subscribe failed; live delivery degraded');
    }
  }

  join(listener: Listener): void {
    let entry = this.users.get(listener.userId);
    if (!entry) {
      entry = { listeners: new Set(), wantedAt: Date.now(), subscribed: this.fanout.subscribe(listener.userId) };
      entry.subscribed.catch((err: unknown) => this.log.warn({ err }, 'notification channel subscribe failed'));
      this.users.set(listener.userId, entry);
    }
    entry.listeners.add(listener);
  }

  leave(listener: Listener): void {
    const entry = this.users.get(listener.userId);
    if (!entry) return;
    entry.listeners.delete(listener);
    entry.wantedAt = Date.now();
  }

  /** Closes every socket of this user here (a ban), without waiting for the sweep. */
  closeUser(userId: number, code: number, reason: string): void {
    for (const l of this.users.get(userId)?.listeners ?? []) l.close(code, reason);
  }

  get localListeners(): number {
    let n = 0;
    for (const e of this.users.values()) n += e.listeners.size;
    return n;
  }

  private async publish(s: StoredNotification): Promise<void> {
    try {
      await this.fanout.publish(s.userId, s.id);
    } catch (err) {
      // Redis away: this instance's own sockets still hear of it.
      this.log.warn({ err }, 'notification publish failed; delivering on this instance only');
      await this.deliver(s.userId, s.id);
    }
  }

  /** Queued, so a burst (a channel's followers) is loaded in a few queries rather than two per push. */
  private deliver(userId: number, id: string): Promise<void> {
    const entry = this.users.get(userId);
    if (!entry || entry.listeners.size === 0) return Promise.resolve();
    this.queued.set(id, userId);
    return this.scheduleFlush();
  }

  private scheduleFlush(): Promise<void> {
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return this.flushing;
  }

  private async flush(): Promise<void> {
    const batch = [...this.queued].slice(0, 1000);
    for (const [id] of batch) this.queued.delete(id);
    try {
      const userIds = [...new Set(batch.map(([, userId]) => userId))];
      const [rows, unread] = await Promise.all([
        findNotifications(this.db.kysely, batch.map(([id]) => id)),
        countUnreadByUser(this.db.kysely, userIds),
      ]);
      for (const row of rows) this.push(row, unread.get(Number(row.user_id)) ?? 0);
    } catch (err) {
      this.log.warn({ err }, 'notification push failed');
    } finally {
      this.flushing = undefined;
      if (this.queued.size > 0) void this.scheduleFlush();
    }
  }

  private push(row: NotificationRow, unread_count: number): void {
    const entry = this.users.get(Number(row.user_id));
    const key = `${row.id}:${row.created_at}`;
    if (!entry || this.pushed.has(key)) return;
    this.pushed.set(key, Date.now());
    const message = JSON.stringify({ ...notificationJson(row), unread_count });
    for (const l of entry.listeners) l.send(message);
  }

  /** Without Redis: one indexed query for the connected users' rows since the last poll. */
  private async poll(): Promise<void> {
    const userIds = [...this.users.keys()].filter((u) => (this.users.get(u)?.listeners.size ?? 0) > 0);
    const since = this.polledTo - POLL_SLACK_MS;
    this.polledTo = Date.now();
    if (userIds.length === 0) return;
    try {
      for (let i = 0; i < userIds.length; i += 500) {
        const rows = await recentNotificationIds(this.db.kysely, userIds.slice(i, i + 500), since);
        const fresh = rows.filter((r) => !this.pushed.has(`${r.id}:${r.created_at}`));
        await Promise.all(fresh.map((r) => this.deliver(Number(r.user_id), r.id)));
      }
    } catch (err) {
      this.log.warn({ err }, 'notification poll failed');
    }
  }

  /** Users of access-token sockets who are neither banned nor deleted (a ban ends their sockets too). */
  private async liveBearerUsers(listeners: Listener[]): Promise<Set<number>> {
    const ids = [...new Set(listeners.filter((l) => l.sessionId === '').map((l) => l.userId))];
    const live = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.kysely
        .selectFrom('users')
        .select('id')
        .where('id', 'in', ids.slice(i, i + 500))
        .where('banned_at', 'is', null)
        .where('deleted_at', 'is', null)
        .execute();
      for (const r of rows) live.add(Number(r.id));
    }
    return live;
  }

  /** Closes sockets whose session ended (signed out, expired) and drops channels nobody uses. */
  async sweep(now = Date.now()): Promise<void> {
    for (const [key, at] of this.pushed) if (at < now - POLL_SLACK_MS * 3) this.pushed.delete(key);
    const listeners = [...this.users.values()].flatMap((e) => [...e.listeners]);
    try {
      const sessions = [...new Set(listeners.map((l) => l.sessionId).filter((id) => id !== ''))];
      const live = new Set<string>();
      for (let i = 0; i < sessions.length; i += 500) {
        const rows = await this.db.kysely
          .selectFrom('sessions')
          .select('id')
          .where('id', 'in', sessions.slice(i, i + 500))
          .where('expires_at', '>', now)
          .execute();
        for (const r of rows) live.add(r.id);
      }
      const bearerUsers = await this.liveBearerUsers(listeners);
      for (const l of listeners) {
        const ended = l.sessionId === '' ? (l.expiresAt ?? 0) <= now || !bearerUsers.has(l.userId) : !live.has(l.sessionId);
        if (ended) l.close(4401, 'session ended');
      }
    } catch (err) {
      this.log.warn({ err }, 'notification session check failed');
    }
    for (const [userId, entry] of this.users) {
      if (entry.listeners.size > 0 || entry.wantedAt > now - this.options.sweepMs) continue;
      this.users.delete(userId);
      this.fanout.unsubscribe(userId).catch((err: unknown) => this.log.warn({ err }, 'notification unsubscribe failed'));
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.events.off('stored', this.onStored);
    for (const entry of this.users.values()) for (const l of entry.listeners) l.close(1001, 'server shutting down');
    this.users.clear();
    await this.fanout.close();
  }
}
