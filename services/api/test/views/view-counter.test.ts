import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser, insertVideo, type Db } from '@video/shared';
import { TEST_REDIS_URL, openTestDb, redisForTests, testDialects } from '@video/shared/testing';
import { ViewCounter } from '../../src/views/view-counter.js';
import { DatabaseViewDedupe, RedisViewDedupe, VIEW_WINDOW_MS, type ViewDedupe } from '../../src/views/view-dedupe.js';

const AFTER = 10_000;
/** The rule both de-duplicators keep, driven with explicit server times. */
function dedupeRules(make: () => ViewDedupe, name: string) {
  it(`${name}: counts once the reports span view_after_seconds, once per viewer per hour`, async () => {
    const d = make();
    const v = `vid-${name}-${Math.random().toString(36).slice(2)}`;
    const t0 = 1_000_000;
    expect(await d.report(v, 'u:1', t0)).toBe(false);
    expect(await d.report(v, 'u:1', t0 + AFTER - 1)).toBe(false);
    expect(await d.report(v, 'u:1', t0 + AFTER)).toBe(true);
    expect(await d.report(v, 'u:1', t0 + AFTER + 1)).toBe(false);
    expect(await d.report(v, 'u:2', t0 + AFTER)).toBe(false); // another viewer starts their own clock
    const later = t0 + AFTER + VIEW_WINDOW_MS;
    expect(await d.report(v, 'u:1', later)).toBe(false); // a new window starts measuring
    expect(await d.report(v, 'u:1', later + AFTER)).toBe(true);
  });

  it(`${name}: concurrent reports count one view`, async () => {
    const d = make();
    const v = `vid-c-${name}-${Math.random().toString(36).slice(2)}`;
    await d.report(v, 'a:127.0.0.1', 0);
    const results = await Promise.all(Array.from({ length: 8 }, () => d.report(v, 'a:127.0.0.1', AFTER + 5)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
}

describe.each(testDialects())('views on %s', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    const uid = await insertUser(db.kysely, { user_name: 'owner', pwd_hash: 'h', create_time: 1 });
    await insertVideo(db.kysely, { id: 'v', author_id: uid, name: 'v', display_ctime: 'x', create_time: 1, deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: 1 });
  });
  afterAll(async () => close?.());

  dedupeRules(() => new DatabaseViewDedupe(db, AFTER), 'database');

  it('buffers counted views and writes them, with the day row, in one flush', async () => {
    const counter = new ViewCounter(db, new DatabaseViewDedupe(db, AFTER), 60_000, (err) => {
      throw err;
    });
    for (let viewer = 0; viewer < 5; viewer++) {
      await counter.report('v', `a:10.0.0.${viewer}`, 0);
      expect(await counter.report('v', `a:10.0.0.${viewer}`, AFTER)).toBe(true);
    }
    const before = await db.kysely.selectFrom('video_info').select('views').where('id', '=', 'v').executeTakeFirstOrThrow();
    expect(Number(before.views)).toBe(0);
    await counter.close();
    const after = await db.kysely.selectFrom('video_info').select('views').where('id', '=', 'v').executeTakeFirstOrThrow();
    expect(Number(after.views)).toBe(5);
    const daily = await db.kysely.selectFrom('video_views_daily').selectAll().where('video_id', '=', 'v').execute();
    expect(daily.map((d) => Number(d.views))).toEqual([5]);
  });

  it('a flush that fails keeps its counts for the next one', async () => {
    const errors: unknown[] = [];
    const broken = { ...db, kysely: { transaction: () => ({ execute: async () => Promise.reject(new Error('down')) }) } } as unknown as Db;
    const counter = new ViewCounter(broken, { report: async () => true }, 60_000, (err) => errors.push(err));
    await counter.report('v', 'x', 0);
    await counter.flush();
    expect(errors).toHaveLength(1);
    (counter as unknown as { db: Db }).db = db;
    await counter.close();
    const after = await db.kysely.selectFrom('video_info').select('views').where('id', '=', 'v').executeTakeFirstOrThrow();
    expect(Number(after.views)).toBe(6);
  });
});

const redisUp = await redisForTests('Redis view tests');

describe.skipIf(!redisUp)('views with Redis', () => {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  afterAll(() => redis.disconnect());
  const noFallback = { report: () => Promise.reject(new Error('no fallback expected')) };
  dedupeRules(() => new RedisViewDedupe(redis, `test:${process.pid}:`, AFTER, noFallback), 'redis');
});
