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

/**
 * One report, atomically (Redis runs a script alone): KEYS[1] holds the first report's time, KEYS[2]
 * the counted view's. Times are the api's clock (ARGV[1]), so every instance applies one rule; the
 * keys' own expiry only collects them.
 */
const REPORT_SCRIPT = `
local now, after, window, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local counted = redis.call('GET', KEYS[2])
if counted and now - tonumber(counted) < window then return 0 end
if counted then redis.call('DEL', KEYS[2]) end
local first = redis.call('GET', KEYS[1])
if not first then redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl) return 0 end
if now - tonumber(first) < after then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ttl)
redis.call('DEL', KEYS[1])
return 1
`;

/** With Redis configured: the same rule in keys shared by every api instance, expiring by themselves. */
export class RedisViewDedupe implements ViewDedupe {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly afterMs: number,
    /** Used while Redis cannot answer, so a report is never a 5xx. */
    private readonly fallback: ViewDedupe,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.ttlSeconds = Math.ceil((VIEW_WINDOW_MS + afterMs) / 1000) + 60;
  }

  async report(videoId: string, viewer: string, now: number): Promise<boolean> {
    const key = `${this.prefix}views:${videoId}:${viewer}`;
    try {
      const counted = await this.redis.eval(REPORT_SCRIPT, 2, `${key}:first`, `${key}:counted`, now, this.afterMs, VIEW_WINDOW_MS, this.ttlSeconds);
      return counted === 1;
    } catch (err) {
      this.onError(err);
      return this.fallback.report(videoId, viewer, now);
    }
  }
}
