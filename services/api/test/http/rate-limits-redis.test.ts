import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, redisForTests } from '@video/shared/testing';
import { buildTestApp, createVideo, expectError, signUp, uniqueName, type TestApp } from '../helper.js';

const REDIS = TEST_REDIS_URL;
const reachable = await redisForTests('Redis rate-limit tests');

describe.skipIf(!reachable)('rate limits shared by two api instances through Redis', () => {
  const prefix = `test-limits-${randomBytes(6).toString('hex')}:`;
  const redisUrl = `${REDIS}?prefix=${encodeURIComponent(prefix)}`;
  let one: TestApp | undefined;
  let two: TestApp | undefined;

  afterEach(async () => {
    await one?.close();
    await two?.close();
    one = two = undefined;
  });
  afterAll(async () => {
    const r = new Redis(REDIS);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  });

  // Two apps on one database and one Redis: what one instance counted, the other sees.
  async function pair(overrides: Parameters<typeof buildTestApp>[1]) {
    one = await buildTestApp('sqlite', { redis_url: redisUrl, ...overrides });
    two = await buildTestApp('sqlite', { redis_url: redisUrl, ...overrides });
    return { one, two };
  }

  it('failed sign-ins counted on one instance lock the name+address on the other', async () => {
    const { one, two } = await pair({ signin_rate_limit: 3 });
    const name = uniqueName('victim');
    const attempt = (app: TestApp['app']) =>
      app.inject({ method: 'POST', url: `/user/${name}`, payload: { user_name: name, pwd: 'wrong-pwd' }, headers: { 'x-forwarded-for': '203.0.113.77' } });
    expectError(await attempt(one.app), 401, '002');
    expectError(await attempt(two.app), 401, '002');
    expectError(await attempt(one.app), 401, '002');
    const limited = await attempt(two.app);
    expectError(limited, 429, '008');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('comments and video creation per user are counted across instances', async () => {
    // The user lives in one instance's database; the other instance has its own, so it gets its
    // own user of the same id: the counter is keyed by user id, which is what is shared.
    const { one, two } = await pair({ comment_rate_limit: 2, video_create_rate_limit: 2 });
    const a1 = await signUp(one.app, 'same_user');
    const a2 = await signUp(two.app, 'same_user');
    expect(a1.id).toBe(a2.id);
    const v1 = await createVideo(one.app, a1);
    const v2 = await createVideo(two.app, a2);
    expectError(
      await one.app.inject({ method: 'POST', url: `/user/${a1.name}/videos`, headers: { 'x-session-id': a1.sid }, payload: { name: 'x' } }),
      429,
      '008',
    );
    const comment = (t: TestApp, sid: string, vid: string) =>
      t.app.inject({ method: 'POST', url: `/videos/${vid}/comments`, headers: { 'x-session-id': sid }, payload: { content: 'hi' } });
    expect((await comment(one, a1.sid, v1.id)).statusCode).toBe(201);
    expect((await comment(two, a2.sid, v2.id)).statusCode).toBe(201);
    expectError(await comment(one, a1.sid, v1.id), 429, '008');
  });
});
