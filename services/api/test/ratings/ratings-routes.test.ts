import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, publish, withSession, type User } from '../fixtures/public-site.js';

describe.each(testDialects())('PUT|GET /videos/:vid/rating on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let video: { id: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    video = await publish(t, alice);
  });
  afterAll(async () => t?.close());

  const put = (id: string, payload: unknown, sid?: string) =>
    t.app.inject({ method: 'PUT', url: `/videos/${id}/rating`, headers: withSession(sid), payload: payload as object });
  const rate = async (user: User, id: string, rating: string) => {
    const res = await put(id, { rating }, user.sid);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { rating: string; likes: number; dislikes: number };
  };
  const counters = async (id: string) => {
    const v = (await getAs(t, `/videos/${id}`)).json() as { likes: number; dislikes: number };
    return { likes: v.likes, dislikes: v.dislikes };
  };

  describe('4xx', () => {
    it.each<[string, () => [string, unknown, string | undefined], number, string]>([
      ['PUT without a session', () => [video.id, { rating: 'like' }, undefined], 401, '002'],
      ['PUT with an unknown session', () => [video.id, { rating: 'like' }, MISSING], 401, '002'],
      ['PUT without a session, bad body too (401 first)', () => [video.id, { rating: 'love' }, undefined], 401, '002'],
      ['PUT rating not one of the three', () => [video.id, { rating: 'love' }, bob.sid], 400, '001'],
      ['PUT rating in upper case', () => [video.id, { rating: 'LIKE' }, bob.sid], 400, '001'],
      ['PUT rating a number', () => [video.id, { rating: 1 }, bob.sid], 400, '001'],
      ['PUT rating null', () => [video.id, { rating: null }, bob.sid], 400, '001'],
      ['PUT without rating', () => [video.id, {}, bob.sid], 400, '001'],
      ['PUT without a body', () => [video.id, undefined, bob.sid], 400, '001'],
      ['PUT a body that is an array', () => [video.id, ['like'], bob.sid], 400, '001'],
      ['PUT an unknown video', () => [MISSING, { rating: 'like' }, bob.sid], 404, '006'],
      ['PUT a video id that is not a uuid', () => ['x%27%20or%201', { rating: 'like' }, bob.sid], 404, '006'],
    ])('%s -> %i', async (_l, args, status, code) => {
      const [id, payload, sid] = args();
      expectError(await put(id, payload, sid), status, code);
    });

    it('a refused PUT bad JSON is 400', async () => {
      const res = await t.app.inject({ method: 'PUT', url: `/videos/${video.id}/rating`, headers: { ...withSession(bob.sid), 'content-type': 'application/json' }, payload: '{"rating":' });
      expectError(res, 400, '001');
    });

    it.each<[string, () => [string, string | undefined], number, string]>([
      ['GET without a session', () => [video.id, undefined], 401, '002'],
      ['GET with an unknown session', () => [video.id, MISSING], 401, '002'],
      ['GET an unknown video', () => [MISSING, bob.sid], 404, '006'],
      ['GET a video id that is not a uuid', () => ['nope', bob.sid], 404, '006'],
    ])('%s -> %i', async (_l, args, status, code) => {
      const [id, sid] = args();
      expectError(await getAs(t, `/videos/${id}/rating`, sid), status, code);
    });

    it('nothing was counted by the refused requests', async () => {
      expect(await counters(video.id)).toEqual({ likes: 0, dislikes: 0 });
    });
  });

  it('like, dislike and none move the counters in VideoInfo at once; GET returns the user\'s own', async () => {
    const v = await publish(t, alice);
    const get = async (u: User) => (await getAs(t, `/videos/${v.id}/rating`, u.sid)).json();
    expect(await get(bob)).toEqual({ rating: 'none' });

    expect(await rate(bob, v.id, 'like')).toEqual({ rating: 'like', likes: 1, dislikes: 0 });
    expect(await counters(v.id)).toEqual({ likes: 1, dislikes: 0 });
    expect(await get(bob)).toEqual({ rating: 'like' });
    expect(await get(alice)).toEqual({ rating: 'none' });

    expect(await rate(bob, v.id, 'like')).toEqual({ rating: 'like', likes: 1, dislikes: 0 });
    expect(await rate(alice, v.id, 'dislike')).toEqual({ rating: 'dislike', likes: 1, dislikes: 1 });
    expect(await rate(bob, v.id, 'dislike')).toEqual({ rating: 'dislike', likes: 0, dislikes: 2 });
    expect(await counters(v.id)).toEqual({ likes: 0, dislikes: 2 });
    expect(await get(bob)).toEqual({ rating: 'dislike' });

    expect(await rate(bob, v.id, 'none')).toEqual({ rating: 'none', likes: 0, dislikes: 1 });
    expect(await rate(bob, v.id, 'none')).toEqual({ rating: 'none', likes: 0, dislikes: 1 });
    expect(await get(bob)).toEqual({ rating: 'none' });
    expect(await get(alice)).toEqual({ rating: 'dislike' });

    const reads = [`/videos/${v.id}`, `/user/${alice.name}/videos/${v.id}`];
    for (const url of reads) expect((await getAs(t, url)).json(), url).toMatchObject({ likes: 0, dislikes: 1 });
    const feed = (await getAs(t, '/videos?limit=200')).json().videos as { id: string; dislikes: number }[];
    expect(feed.find((x) => x.id === v.id)?.dislikes).toBe(1);
  });

  it('a rating is per video', async () => {
    const [a, b] = [await publish(t, alice), await publish(t, alice)];
    await rate(bob, a.id, 'like');
    expect((await getAs(t, `/videos/${b.id}/rating`, bob.sid)).json()).toEqual({ rating: 'none' });
    expect(await counters(b.id)).toEqual({ likes: 0, dislikes: 0 });
  });

  it('many users rating at once are each counted once', async () => {
    const v = await publish(t, alice);
    const users = await Promise.all(Array.from({ length: 8 }, () => signUp(t.app, uniqueName('fan'))));
    const results = await Promise.all(users.map((u, i) => put(v.id, { rating: i % 4 === 0 ? 'dislike' : 'like' }, u.sid)));
    for (const r of results) expect(r.statusCode, r.body).toBe(200);
    await Promise.all(users.map((u) => put(v.id, { rating: 'like' }, u.sid)));
    expect(await counters(v.id)).toEqual({ likes: 8, dislikes: 0 });
  });

  it("one user's PUTs at the same moment leave one rating, counted once", async () => {
    const v = await publish(t, alice);
    const likes = await Promise.all(Array.from({ length: 6 }, () => put(v.id, { rating: 'like' }, bob.sid)));
    for (const r of likes) expect(r.statusCode, r.body).toBe(200);
    expect(await counters(v.id)).toEqual({ likes: 1, dislikes: 0 });
    const mixed = await Promise.all(['dislike', 'like', 'none', 'dislike', 'like', 'dislike'].map((rating) => put(v.id, { rating }, bob.sid)));
    for (const r of mixed) expect(r.statusCode, r.body).toBe(200);
    const final = (await getAs(t, `/videos/${v.id}/rating`, bob.sid)).json().rating as string;
    expect(await counters(v.id)).toEqual({ likes: final === 'like' ? 1 : 0, dislikes: final === 'dislike' ? 1 : 0 });
  });

  it('the sort=likes feed follows the counters', async () => {
    const v = await publish(t, alice);
    const fans = await Promise.all(Array.from({ length: 3 }, () => signUp(t.app, uniqueName('fan'))));
    for (const f of fans) await rate(f, v.id, 'like');
    const feed = (await getAs(t, '/videos?sort=likes&limit=200')).json().videos as { id: string; likes: number }[];
    const likes = feed.map((x) => x.likes);
    expect(likes).toEqual([...likes].sort((a, b) => b - a));
    expect(feed.find((x) => x.id === v.id)?.likes).toBe(3);
    expect(feed.findIndex((x) => x.id === v.id)).toBe(feed.findIndex((x) => x.likes === 3));
  });

  it('a deleted video cannot be rated or read', async () => {
    const v = await publish(t, alice);
    await rate(bob, v.id, 'like');
    await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: withSession(alice.sid) });
    expectError(await put(v.id, { rating: 'none' }, bob.sid), 404, '006');
    expectError(await getAs(t, `/videos/${v.id}/rating`, bob.sid), 404, '006');
  });
});
