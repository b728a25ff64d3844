import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOT_HALF_LIFE_SECONDS, hotRank, insertVideo, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { createHotRankJob } from '../../src/hot/hot-rank-job.js';
import { jobContext, seedUser } from '../helper.js';

const DAY = 24 * 60 * 60 * 1000;

describe('hotRank', () => {
  const base = { likes: 0, dislikes: 0, comments: 0, recentViews: 0, createTimeMs: 0 };
  it('grows with likes, comments and recent views, never falls below the time term', () => {
    expect(hotRank({ ...base, likes: 10 })).toBeGreaterThan(hotRank(base));
    expect(hotRank({ ...base, comments: 10 })).toBeGreaterThan(hotRank(base));
    expect(hotRank({ ...base, recentViews: 100 })).toBeGreaterThan(hotRank(base));
    expect(hotRank({ ...base, dislikes: 50 })).toBe(hotRank(base));
  });
  it('needs ten times the activity to keep up with a video 12.5 hours younger', () => {
    const older = hotRank({ ...base, likes: 99 });
    const younger = hotRank({ ...base, likes: 9, createTimeMs: HOT_HALF_LIFE_SECONDS * 1000 });
    expect(Math.abs(older - younger)).toBeLessThanOrEqual(1);
  });
});

describe.each(testDialects())('hot rank job (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
  });
  afterAll(async () => close?.());

  it('ranks every live video from its counters and the last week of views', async () => {
    const uid = await seedUser(db);
    const now = 100 * DAY;
    const mk = (id: string, extra = {}) =>
      insertVideo(db.kysely, { id, author_id: uid, name: id, display_ctime: 'x', create_time: now - DAY, deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: 1, ...extra });
    await mk('quiet');
    await mk('liked', { likes: 40, comments_count: 4 });
    await mk('watched');
    await mk('gone', { deleted_at: 5 });
    const today = Math.floor(now / DAY);
    await db.kysely.insertInto('video_views_daily').values([
      { video_id: 'watched', day: today, views: 300 },
      { video_id: 'watched', day: today - 3, views: 200 },
      { video_id: 'watched', day: today - 30, views: 100_000 }, // too old to count
    ]).execute();

    const summary = await createHotRankJob(jobContext(db), () => now).run(new AbortController().signal);
    expect(summary.counts).toEqual({ ranked: 3, changed: 3 });
    const rows = await db.kysely.selectFrom('video_info').select(['id', 'hot']).orderBy('hot', 'desc').execute();
    expect(rows.map((r) => r.id)).toEqual(['watched', 'liked', 'quiet', 'gone']);
    const watched = rows.find((r) => r.id === 'watched')!;
    expect(Number(watched.hot)).toBe(hotRank({ likes: 0, dislikes: 0, comments: 0, recentViews: 500, createTimeMs: now - DAY }));

    const again = await createHotRankJob(jobContext(db), () => now).run(new AbortController().signal);
    expect(again.counts).toEqual({ ranked: 3, changed: 0 });
  });
});
