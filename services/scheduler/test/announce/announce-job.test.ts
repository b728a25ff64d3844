import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertVideo, type Db } from '@video/shared';
import { openTestDb, testDialects, TEST_REDIS_URL, redisForTests } from '@video/shared/testing';
import { createAnnounceJob } from '../../src/announce/announce-job.js';
import { jobContext, seedUser } from '../helper.js';

const redisUp = await redisForTests('new_video Redis publish test');

describe.each(testDialects())('announce job: new_video to followers (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  const signal = new AbortController().signal;
  let seq = 0;

  const video = async (author: number, extra: Record<string, unknown> = {}) => {
    const id = `${randomBytes(4).toString('hex')}-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
    await insertVideo(db.kysely, { id, author_id: author, name: 'v', display_ctime: 'x', create_time: Date.now(), deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: 1, ...extra });
    return id;
  };
  const follow = (follower: number, followee: number) => db.kysely.insertInto('follows').values({ follower_id: follower, followee_id: followee, time: 1 }).execute();
  const told = async (videoId: string) =>
    (await db.kysely.selectFrom('notifications').select(['user_id', 'type', 'actor_id']).where('video_id', '=', videoId).orderBy('user_id').execute()).map((r) => ({ ...r, user_id: Number(r.user_id), actor_id: Number(r.actor_id) }));

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
  });
  afterAll(async () => close?.());

  it('tells each follower once of a public video with its file, not the blocked-by, not twice', async () => {
    const author = await seedUser(db);
    const fans = [await seedUser(db), await seedUser(db), await seedUser(db)];
    const stranger = await seedUser(db);
    for (const f of fans) await follow(f, author);
    await db.kysely.insertInto('blocks').values({ user_id: fans[2]!, blocked_id: author, time: 1 }).execute();
    const v = await video(author);
    const job = createAnnounceJob(jobContext(db));
    const first = await job.run(signal);
    expect(first.counts.notified).toBeGreaterThanOrEqual(2);
    expect(await told(v)).toEqual([fans[0], fans[1]].map((u) => ({ user_id: u, type: 'new_video', actor_id: author })));
    expect((await told(v)).some((r) => r.user_id === stranger)).toBe(false);
    await job.run(signal);
    expect(await told(v)).toHaveLength(2);
    await job.close?.();
  });

  it('waits for the file and for public; never announces a deleted video', async () => {
    const author = await seedUser(db);
    const fan = await seedUser(db);
    await follow(fan, author);
    const pending = await video(author, { upload_state: 'pending', size: null, content_type: null });
    const privateOne = await video(author, { privacy: 'private' });
    const gone = await video(author, { deleted_at: Date.now() });
    const job = createAnnounceJob(jobContext(db));
    await job.run(signal);
    for (const v of [pending, privateOne, gone]) expect(await told(v)).toEqual([]);
    await db.kysely.updateTable('video_info').set({ upload_state: 'ready' }).where('id', '=', pending).execute();
    await job.run(signal);
    expect(await told(pending)).toEqual([{ user_id: fan, type: 'new_video', actor_id: author }]);
  });

  it.skipIf(!redisUp)('publishes each stored notification on its user’s Redis channel', async () => {
    const prefix = `test-announce-${randomBytes(6).toString('hex')}:`;
    const author = await seedUser(db);
    const fan = await seedUser(db);
    await follow(fan, author);
    const sub = new Redis(TEST_REDIS_URL);
    try {
      const got: string[] = [];
      sub.on('message', (_c, m) => got.push(m));
      await sub.subscribe(`${prefix}notifications:user:${fan}`);
      const v = await video(author);
      const job = createAnnounceJob(jobContext(db, { redis_url: `${TEST_REDIS_URL}?prefix=${encodeURIComponent(prefix)}` }));
      await job.run(signal);
      await job.close?.();
      const [row] = await db.kysely.selectFrom('notifications').select('id').where('video_id', '=', v).execute();
      for (let i = 0; i < 40 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(got.map((m) => JSON.parse(m))).toEqual([{ id: row!.id, userId: fan }]);
    } finally {
      sub.disconnect();
    }
  });
});
