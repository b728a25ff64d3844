import type { Redis } from 'ioredis';
import type { Db } from '@video/shared';

/** A viewer is counted at most once per video within this window. */
export const VIEW_WINDOW_MS = 60 * 60 * 1000;

/**
 * Decides which playback report completes a view: the first report of a viewer starts the clock;
 * a later one at least `afterMs` on (server time; gaps do not matter) counts, once per window.
 */
export interface ViewDedupe {
  /** True exactly once per counted view, however many instances see the reports. */
  report(videoId: string, viewer: string, now: number): Promise<boolean>;
}

/** The embedded default: one row per (video, viewer) in video_view_reports. */
export class DatabaseViewDedupe implements ViewDedupe {
  constructor(
    private readonly db: Db,
    private readonly afterMs: number,
  ) {}

  async report(videoId: string, viewer: string, now: number): Promise<boolean> {
    const k = this.db.kysely;
    const row = await k.selectFrom('video_view_reports').select(['first_at', 'counted_at']).where('video_id', '=', videoId).where('viewer', '=', viewer).executeTakeFirst();
    if (!row) {
      // A racing first report of the same viewer loses the insert; either clock start is right.
      await k.insertInto('video_view_reports').values({ video_id: videoId, viewer, first_at: now, counted_at: null }).execute().catch(ignoreDuplicate);
      return false;
    }
    const counted = row.counted_at === null ? null : Number(row.counted_at);
    if (counted !== null) {
      if (now - counted < VIEW_WINDOW_MS) return false;
      // The window is over: this report starts a new measurement.
      await k.updateTable('video_view_reports').set({ first_at: now, counted_at: null }).where('video_id', '=', videoId).where('viewer', '=', viewer).where('counted_at', '=', counted).execute();
      return false;
    }
    if (now - Number(row.first_at) < this.afterMs) return false;
    // Only one of two concurrent reports flips counted_at from null.
    const r = await k.updateTable('video_view_reports').set({ counted_at: now }).where('video_id', '=', videoId).where('viewer', '=', viewer).where('counted_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Rows whose window has passed and that are no longer being measured. */
  async sweep(now: number): Promise<number> {
    const r = await this.db.kysely.deleteFrom('video_view_reports').where('first_at', '<', now - 2 * VIEW_WINDOW_MS).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function ignoreDuplicate(err: unknown): void {
  const code = (err as { code?: string }).code;
  if (code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return;
  throw err;
}

/** With Redis configured: `SET … NX EX` keys, shared by every api instance, expiring by themselves. */
export class RedisViewDedupe implements ViewDedupe {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly afterMs: number,
  ) {}

  async report(videoId: string, viewer: string, now: number): Promise<boolean> {
    const key = `${this.prefix}views:${videoId}:${viewer}`;
    if ((await this.redis.exists(`${key}:counted`)) === 1) return false;
    const ttl = Math.ceil(VIEW_WINDOW_MS / 1000);
    await this.redis.set(`${key}:first`, String(now), 'EX', ttl, 'NX');
    const first = Number(await this.redis.get(`${key}:first`));
    if (!Number.isFinite(first) || now - first < this.afterMs) return false;
    const won = await this.redis.set(`${key}:counted`, String(now), 'EX', ttl, 'NX');
    if (won !== 'OK') return false;
    await this.redis.del(`${key}:first`);
    return true;
  }
}
