import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, allPages, getAs, idsOf, patchVideo, publish, token, type User } from '../fixtures/public-site.js';

const pageOf = (body: string) => JSON.parse(body) as { videos: { id: string; name: string; views: number }[]; next_cursor: string | null };

describe.each(testDialects())('the public feed, search, related and profiles on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let cursors: { recent: string; views: string; search: string; user: string };
  let related: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    const word = token();
    for (let i = 0; i < 3; i += 1) related = (await publish(t, alice, { name: `${word} ${i}` })).id;
    const next = async (url: string) => pageOf((await getAs(t, url)).body).next_cursor as string;
    cursors = {
      recent: await next('/videos?limit=1'),
      views: await next('/videos?sort=views&limit=1'),
      search: await next(`/search?q=${word}&limit=1`),
      user: await next(`/user/${alice.name}/videos?limit=1`),
    };
  });
  afterAll(async () => t?.close());

  describe('4xx', () => {
    const badLimits = (label: string, base: () => string, max: number): [string, () => string][] =>
      ['0', String(max + 1), 'x', '1e309', '1.5', ''].map((limit) => [`${label} limit '${limit}'`, () => `${base()}limit=${limit}`]);
    it.each<[string, () => string]>([
      ...badLimits('/videos', () => '/videos?', 200),
      ...badLimits('/search', () => '/search?q=cat&', 200),
      ...badLimits('/videos/:vid/related', () => `/videos/${related}/related?`, 50),
      ...badLimits('/videos?sort=hot', () => '/videos?sort=hot&', 200),
      ...badLimits('/user/:u/videos', () => `/user/${alice.name}/videos?`, 200),
      ...badLimits('/videos/:vid/comments', () => `/videos/${related}/comments?`, 200),
      ['/videos bad sort', () => '/videos?sort=random'],
      ['/videos empty sort', () => '/videos?sort='],
      ['/videos cursor garbage', () => '/videos?cursor=!!!'],
      ['/videos cursor of sort=views on sort=recent', () => `/videos?sort=recent&cursor=${cursors.views}`],
      ['/videos cursor of sort=recent on sort=views', () => `/videos?sort=views&cursor=${cursors.recent}`],
      ['/videos cursor of sort=recent on sort=likes', () => `/videos?sort=likes&cursor=${cursors.recent}`],
      ['/videos cursor of /search', () => `/videos?cursor=${cursors.search}`],
      ["/videos cursor of a user's list", () => `/videos?cursor=${cursors.user}`],
      ['/videos cursor with a fractional key', () => `/videos?cursor=${Buffer.from('[1.5,"x","feed-recent"]').toString('base64url')}`],
      ['/search cursor of /videos', () => `/search?q=cat&cursor=${cursors.recent}`],
      ['/search cursor garbage', () => '/search?q=cat&cursor=%00'],
      ["/user/:u/videos cursor of /videos", () => `/user/${alice.name}/videos?cursor=${cursors.recent}`],
      ['/search without q', () => '/search'],
      ['/search q empty', () => '/search?q='],
      ['/search q whitespace', () => '/search?q=%20%09%20'],
      ['/search q of 201 characters', () => `/search?q=${encodeURIComponent('猫'.repeat(201))}`],
    ])('%s -> 400', async (_l, url) => {
      expectError(await getAs(t, url()), 400, '001');
    });

    it.each<[string, () => string]>([
      ['/videos/:vid unknown', () => `/videos/${MISSING}`],
      ['/videos/:vid not a uuid', () => '/videos/not-a-video'],
      ['/videos/:vid/related unknown', () => `/videos/${MISSING}/related`],
      ['/videos/:vid/related not a uuid', () => '/videos/..%2Fx/related'],
      ['/user/:u/profile unknown', () => '/user/nobody_here_at_all/profile'],
      ['/user/:u/profile invalid name', () => "/user/x'%20or%201=1/profile"],
    ])('%s -> 404', async (_l, url) => {
      expectError(await getAs(t, url()), 404, '006');
    });

    it('a q of 200 characters after trimming is fine', async () => {
      const res = await getAs(t, `/search?q=${encodeURIComponent(`  ${'猫'.repeat(200)}  `)}`);
      expect(res.statusCode, res.body).toBe(200);
    });
  });

  describe('GET /videos', () => {
    it('sort=recent (the default) is newest first and holds only public videos that have a file', async () => {
      const w = token();
      const shown = await publish(t, bob, { name: `${w} shown` });
      await publish(t, bob, { name: `${w} pending` }, false);
      await publish(t, bob, { name: `${w} unlisted`, privacy: 'unlisted' });
      await publish(t, bob, { name: `${w} private`, privacy: 'private' });
      const newest = await publish(t, bob, { name: `${w} newest` });
      const feed = await allPages(t, '/videos?limit=200');
      expect(idsOf(feed.filter((v) => v.name.startsWith(w)))).toEqual([newest.id, shown.id]);
      expect(feed[0]).toMatchObject({ id: newest.id, author: bob.name, privacy: 'public', upload_state: 'ready' });
      const times = feed.map((v) => Date.parse(v.create_time));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(idsOf((await allPages(t, '/videos?sort=recent&limit=200')))).toEqual(idsOf(feed));
    });

    it('sort=views and sort=likes are most first', async () => {
      const [few, many] = [await publish(t, bob), await publish(t, bob)];
      await t.db.kysely.updateTable('video_info').set({ views: 1_000_000, likes: 0 }).where('id', '=', many.id).execute();
      await t.db.kysely.updateTable('video_info').set({ views: 0, likes: 1_000_000 }).where('id', '=', few.id).execute();
      expect(pageOf((await getAs(t, '/videos?sort=views&limit=1')).body).videos[0]?.id).toBe(many.id);
      expect(pageOf((await getAs(t, '/videos?sort=likes&limit=1')).body).videos[0]?.id).toBe(few.id);
      const hot = await getAs(t, '/videos?sort=hot');
      expect(hot.statusCode).toBe(200);
    });

    it.each(['recent', 'hot', 'views', 'likes'])('sort=%s pages through the same list as one big page', async (sort) => {
      const whole = idsOf((await getAs(t, `/videos?sort=${sort}&limit=200`)).json().videos);
      expect(whole.length).toBeGreaterThan(5);
      expect(idsOf(await allPages(t, `/videos?sort=${sort}&limit=2`))).toEqual(whole);
    });

    it('sort=recent pages with no repeats and no gaps while new videos arrive', async () => {
      const before = idsOf(await allPages(t, '/videos?limit=200'));
      const first = pageOf((await getAs(t, '/videos?limit=3')).body);
      for (let i = 0; i < 5; i += 1) await publish(t, alice, { name: `arrived ${i}` });
      const rest = await allPages(t, '/videos?limit=3', { cursor: first.next_cursor });
      expect([...idsOf(first.videos), ...idsOf(rest)]).toEqual(before);
    });

    it('sort=views pages with no repeats and no gaps while new videos arrive (counters fixed)', async () => {
      const ids = idsOf(await allPages(t, '/videos?limit=200'));
      // Distinct counts for some, ties for the rest: the id breaks them.
      for (const [i, id] of ids.entries()) await t.db.kysely.updateTable('video_info').set({ views: i % 3 === 0 ? 5 : 100 + i }).where('id', '=', id).execute();
      const before = idsOf(await allPages(t, '/videos?sort=views&limit=200'));
      const first = pageOf((await getAs(t, '/videos?sort=views&limit=4')).body);
      const arrived: string[] = [];
      for (let i = 0; i < 5; i += 1) arrived.push((await publish(t, alice, { name: `late ${i}` })).id);
      const rest = idsOf(await allPages(t, '/videos?sort=views&limit=4', { cursor: first.next_cursor }));
      const seen = [...idsOf(first.videos), ...rest];
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => !arrived.includes(id))).toEqual(before);
      // The newcomers have no views, so they sort after every counted video, still within this walk.
      expect(rest.slice(-5).sort()).toEqual([...arrived].sort());
    });
  });

  describe('GET /videos/:vid and related', () => {
    it('200 VideoInfo by id, with author and counters', async () => {
      const v = await publish(t, alice, { name: 'one by id', description: 'about it', tags: ['x'] });
      const res = await getAs(t, `/videos/${v.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: v.id, name: 'one by id', author: alice.name, description: 'about it', tags: ['x'], views: 0, likes: 0, dislikes: 0, comments_count: 0 });
    });

    it('404 once deleted', async () => {
      const v = await publish(t, alice);
      await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } });
      expectError(await getAs(t, `/videos/${v.id}`), 404, '006');
      expectError(await getAs(t, `/videos/${v.id}/related`), 404, '006');
    });

    it('related: sharing tags first, never the video itself, at most limit', async () => {
      const tag = token('tag');
      const seed = await publish(t, alice, { tags: [tag, 'zz-common'] });
      const both = await publish(t, bob, { tags: [tag, 'zz-common'] });
      const one = await publish(t, bob, { tags: [tag] });
      const res = await getAs(t, `/videos/${seed.id}/related?limit=2`);
      expect(res.statusCode).toBe(200);
      expect(idsOf(res.json().videos)).toEqual([both.id, one.id]);
      const all = idsOf((await getAs(t, `/videos/${seed.id}/related?limit=50`)).json().videos);
      expect(all).not.toContain(seed.id);
      expect(new Set(all).size).toBe(all.length);
      expect((await getAs(t, `/videos/${seed.id}/related`)).json().videos.length).toBeLessThanOrEqual(10);
    });
  });

  it('related: sharing title words or the author comes before unrelated newer videos', async () => {
    const [dave, erin] = [await signUp(t.app, uniqueName('dave')), await signUp(t.app, uniqueName('erin'))];
    const word = token('title');
    const seed = await publish(t, dave, { name: `${word} at dawn` });
    const sameWord = await publish(t, erin, { name: `more ${word}` });
    const sameAuthor = await publish(t, dave, { name: 'something else' });
    for (let i = 0; i < 12; i += 1) await publish(t, erin, { name: `unrelated ${i}` });
    const related = idsOf((await getAs(t, `/videos/${seed.id}/related?limit=4`)).json().videos);
    expect(related).toEqual(expect.arrayContaining([sameWord.id, sameAuthor.id]));
  });

  describe('GET /user/:username/profile', () => {
    it('counts public videos that have a file; needs no session', async () => {
      const carol = await signUp(t.app, uniqueName('carol'));
      await publish(t, carol);
      await publish(t, carol, {}, false);
      await publish(t, carol, { privacy: 'unlisted' });
      const res = await getAs(t, `/user/${carol.name}/profile`);
      expect(res.statusCode).toBe(200);
      const p = res.json();
      expect(p).toMatchObject({ id: carol.id, user_name: carol.name, videos_count: 1, followers_count: 0, following_count: 0 });
      expect(p.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect((await getAs(t, `/user/${carol.name}/profile`, bob.sid)).json().videos_count).toBe(1);
    });
  });
});
