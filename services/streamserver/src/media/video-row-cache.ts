import { findLiveVideo, type Db, type Video } from '@video/shared';

/**
 * Live video rows for the streaming path, each kept for `ttlMs`. A database round trip per range
 * request would cost more than the range itself; the price is that a video deleted through the api
 * (another process) keeps streaming for at most `ttlMs`. Only positive answers are kept, so a new
 * upload or a 404 is never stale; this process's own uploads invalidate their entry at once.
 */
export class VideoRowCache {
  private readonly rows = new Map<string, { video: Video; until: number }>();
  /** Bumped by every invalidation: a lookup that began before one must not cache what it read. */
  private epoch = 0;

  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
    private readonly maxEntries = 4096,
  ) {}

  async get(id: string): Promise<Video | undefined> {
    const now = Date.now();
    const hit = this.rows.get(id);
    if (hit && hit.until > now) return hit.video;
    const epoch = this.epoch;
    const video = await findLiveVideo(this.db.kysely, id);
    if (!video) {
      this.rows.delete(id);
      return undefined;
    }
    // Read before an invalidation landed: answer this request with it, but keep nothing.
    if (epoch !== this.epoch) return video;
    if (this.ttlMs > 0) {
      if (this.rows.size >= this.maxEntries) this.rows.clear();
      this.rows.set(id, { video, until: now + this.ttlMs });
    }
    return video;
  }

  /** A cached live row still within its time, without asking the database (the fast path). */
  peek(id: string): Video | undefined {
    const hit = this.rows.get(id);
    return hit && hit.until > Date.now() ? hit.video : undefined;
  }

  invalidate(id: string): void {
    this.epoch++;
    this.rows.delete(id);
  }
}
