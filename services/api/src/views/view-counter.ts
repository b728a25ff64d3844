import type { Db } from '@video/shared';
import type { ViewDedupe } from './view-dedupe.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Counts held for at most this many videos; past it a flush is started at once. */
const MAX_PENDING_VIDEOS = 5_000;

/**
 * Counted views, buffered per instance and written every `flushMs` as one `views = views + n` per
 * video (plus its day's row), so a popular video is not one row lock per view. A failed flush keeps
 * its counts for the next one; closing flushes what is left.
 */
export class ViewCounter {
  private pending = new Map<string, number>();
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly dedupe: ViewDedupe,
    flushMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  /** One playback report; true when it completed a view (counted, written at the next flush). */
  async report(videoId: string, viewer: string, now = Date.now()): Promise<boolean> {
    if (!(await this.dedupe.report(videoId, viewer, now))) return false;
    this.pending.set(videoId, (this.pending.get(videoId) ?? 0) + 1);
    if (this.pending.size >= MAX_PENDING_VIDEOS) void this.flush();
    return true;
  }

  /** Writes the buffered counts; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const day = Math.floor(Date.now() / DAY_MS);
    for (const [videoId, n] of batch) {
      try {
        await this.writeOne(videoId, n, day);
      } catch (err) {
        this.pending.set(videoId, (this.pending.get(videoId) ?? 0) + n);
        this.onError(err);
      }
    }
  }

  private async writeOne(videoId: string, n: number, day: number): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('video_info').set((eb) => ({ views: eb('views', '+', n) })).where('id', '=', videoId).execute();
      const row = { video_id: videoId, day, views: n };
      if (this.db.dialect === 'mysql') {
        await trx.insertInto('video_views_daily').values(row).onDuplicateKeyUpdate((eb) => ({ views: eb('views', '+', n) })).execute();
      } else {
        await trx
          .insertInto('video_views_daily')
          .values(row)
          .onConflict((oc) => oc.columns(['video_id', 'day']).doUpdateSet((eb) => ({ views: eb('video_views_daily.views', '+', n) })))
          .execute();
      }
    });
  }
}
