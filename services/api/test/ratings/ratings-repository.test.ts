import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser, insertVideo, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { ratingOf, setRating } from '../../src/ratings/ratings-repository.js';

describe.each(testDialects())('ratings on %s', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  const users: number[] = [];
  const anyone = () => true;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    for (let i = 0; i < 6; i++) users.push(await insertUser(db.kysely, { user_name: `u${i}`, pwd_hash: 'h', create_time: 1 }));
    await insertVideo(db.kysely, { id: 'v', author_id: users[0], name: 'v', display_ctime: 'x', create_time: 1, deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: 1 });
  });
  afterAll(async () => close?.());

  it('one rating per user, changed by the next, counters moved by the difference', async () => {
    expect(await setRating(db, users[1], 'v', 'like', anyone)).toEqual({ rating: 'like', likes: 1, dislikes: 0 });
    expect(await setRating(db, users[1], 'v', 'like', anyone)).toEqual({ rating: 'like', likes: 1, dislikes: 0 });
    expect(await setRating(db, users[1], 'v', 'dislike', anyone)).toEqual({ rating: 'dislike', likes: 0, dislikes: 1 });
    expect(await ratingOf(db.kysely, users[1], 'v')).toBe('dislike');
    expect(await setRating(db, users[1], 'v', 'none', anyone)).toEqual({ rating: 'none', likes: 0, dislikes: 0 });
    expect(await ratingOf(db.kysely, users[1], 'v')).toBe('none');
  });

  it('concurrent ratings by several users and repeated ones by one user keep the counters exact', async () => {
    const ops = users.slice(1).flatMap((u, i) => [setRating(db, u, 'v', i % 2 ? 'dislike' : 'like', anyone), setRating(db, u, 'v', i % 2 ? 'dislike' : 'like', anyone)]);
    await Promise.all(ops);
    const row = await db.kysely.selectFrom('video_info').select(['likes', 'dislikes']).where('id', '=', 'v').executeTakeFirstOrThrow();
    const counted = await db.kysely.selectFrom('video_ratings').select(['value']).where('video_id', '=', 'v').execute();
    expect(Number(row.likes)).toBe(counted.filter((r) => r.value === 1).length);
    expect(Number(row.dislikes)).toBe(counted.filter((r) => r.value === -1).length);
    expect([Number(row.likes), Number(row.dislikes)]).toEqual([3, 2]);
  });

  it('an unknown, deleted or invisible video is a 404 and changes nothing', async () => {
    await expect(setRating(db, users[1], 'nope', 'like', anyone)).rejects.toMatchObject({ statusCode: 404 });
    await expect(setRating(db, users[1], 'v', 'like', () => false)).rejects.toMatchObject({ statusCode: 404 });
    expect(await ratingOf(db.kysely, users[1], 'v')).toBe('like');
  });
});
