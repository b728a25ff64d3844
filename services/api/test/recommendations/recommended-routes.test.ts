import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { recordWatch } from '../../src/history/history-repository.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, getAs, idsOf, patchVideo, publish, token, withSession, type User } from '../fixtures/public-site.js';

type Rec = { id: string; reason: { kind: string; text: string; user_name?: string; video_id?: string; tag?: string } };

describe.each(testDialects())('GET /user/:me/recommended on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let popular: string[];

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    // Popular videos by someone nobody follows, so every personal signal has something to beat.
    popular = [];
    for (let i = 0; i < 5; i++) {
      const v = await publish(t, alice, { name: `hit ${i}` });
      await setHot(v.id, 1_000_000 * (i + 1));
      popular.push(v.id);
    }
  });
  afterAll(async () => t?.close());

  const setHot = (id: string, hot: number) => t.db.kysely.updateTable('video_info').set({ hot }).where('id', '=', id).execute();
  const like = (u: User, id: string) => t.db.kysely.insertInto('video_ratings').values({ user_id: u.id, video_id: id, value: 1, time: Date.now() }).execute();
  const recs = async (u: User, q = '') => {
    const res = await getAs(t, `/user/${u.name}/recommended${q}`, u.sid);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { videos: Rec[] }).videos;
  };

  it('cold start: the hot order, each "popular right now"', async () => {
    const newcomer = await signUp(t.app, uniqueName('new'));
    const hot = (await getAs(t, '/videos?sort=hot&limit=20')).json() as { videos: { id: string }[] };
    const got = await recs(newcomer);
    expect(idsOf(got)).toEqual(idsOf(hot.videos));
    expect(got.slice(0, 5).map((v) => v.id)).toEqual([...popular].reverse());
    expect(new Set(got.map((v) => v.reason.kind))).toEqual(new Set(['popular']));
    expect(got[0]!.reason.text).toBe('popular right now');
  });

  it("a followed author's video ranks first, saying whom you follow; watched, own, private, unlisted, deleted and fileless ones never appear", async () => {
    const fan = await signUp(t.app, uniqueName('fan'));
    const maker = await signUp(t.app, uniqueName('maker'));
    await t.db.kysely.insertInto('follows').values({ follower_id: fan.id, followee_id: maker.id, time: Date.now() }).execute();
    const fresh = await publish(t, maker, { name: 'fresh' });
    const watched = await publish(t, maker);
    await recordWatch(t.db, fan.id, watched.id, Date.now());
    const [priv, unl, gone] = [await publish(t, maker), await publish(t, maker), await publish(t, maker)];
    await patchVideo(t, maker, priv.id, { privacy: 'private' });
    await patchVideo(t, maker, unl.id, { privacy: 'unlisted' });
    expect((await t.app.inject({ method: 'DELETE', url: `/user/${maker.name}/videos/${gone.id}`, headers: withSession(maker.sid) })).statusCode).toBe(204);
    const fileless = await publish(t, maker, {}, false);
    const mine = await publish(t, fan);
    await setHot(mine.id, 9_000_000);
    for (const id of [watched.id, priv.id, unl.id, gone.id, fileless.id]) await setHot(id, 8_000_000);
    const got = await recs(fan, '?limit=50');
    expect(got[0]!.id).toBe(fresh.id);
    expect(got[0]!.reason).toEqual({ kind: 'follow', text: `because you follow ${maker.name}`, user_name: maker.name });
    for (const id of [watched.id, priv.id, unl.id, gone.id, fileless.id, mine.id]) expect(idsOf(got)).not.toContain(id);
  });

  it('a video sharing tags with what you liked ranks first, naming the liked video and the tag; a seed made private is not named', async () => {
    const taster = await signUp(t.app, uniqueName('taster'));
    const other = await signUp(t.app, uniqueName('other'));
    const tag = token('tg');
    const liked = await publish(t, other, { name: 'The seed', tags: [tag] });
    const affine = await publish(t, other, { name: 'affine', tags: [tag, token('x')] });
    await like(taster, liked.id);
    const got = await recs(taster);
    expect(got[0]!.id).toBe(affine.id);
    expect(got[0]!.reason).toEqual({ kind: 'tag', text: 'because you liked "The seed"', tag, video_id: liked.id });
    expect(idsOf(got)).not.toContain(liked.id);
    await patchVideo(t, other, liked.id, { privacy: 'private' });
    expect((await recs(taster))[0]!.reason).toEqual({ kind: 'tag', text: `because you like videos tagged "${tag}"`, tag });
  });

  it('a tag of what you watched or saved counts too', async () => {
    const viewer = await signUp(t.app, uniqueName('viewer'));
    const other = await signUp(t.app, uniqueName('other'));
    const [ta, tb] = [token('w'), token('s')];
    const seen = await publish(t, other, { name: 'seen', tags: [ta] });
    const saved = await publish(t, other, { name: 'kept', tags: [tb] });
    const [byWatch, bySave] = [await publish(t, other, { tags: [ta] }), await publish(t, other, { tags: [tb] })];
    await recordWatch(t.db, viewer.id, seen.id, Date.now());
    await t.db.kysely.insertInto('favorites').values({ user_id: viewer.id, video_id: saved.id, time: Date.now() }).execute();
    const got = await recs(viewer);
    // A save weighs more than a watch.
    expect(idsOf(got).slice(0, 2)).toEqual([bySave.id, byWatch.id]);
    expect(got[0]!.reason.text).toBe('because you saved "kept"');
    expect(got[1]!.reason.text).toBe('because you watched "seen"');
  });

  it('what people who liked what you liked also liked ranks first, naming the shared like', async () => {
    const me = await signUp(t.app, uniqueName('me'));
    const [p1, p2] = [await signUp(t.app, uniqueName('p')), await signUp(t.app, uniqueName('p'))];
    const other = await signUp(t.app, uniqueName('other'));
    const shared = await publish(t, other, { name: 'shared taste' });
    const coLiked = await publish(t, other, { name: 'they liked it' });
    const once = await publish(t, other);
    for (const p of [p1, p2]) await like(p, shared.id);
    await like(me, shared.id);
    await like(p1, coLiked.id);
    await like(p2, coLiked.id);
    await like(p1, once.id);
    const got = await recs(me);
    expect(idsOf(got).slice(0, 2)).toEqual([coLiked.id, once.id]);
    expect(got[0]!.reason).toEqual({ kind: 'co_like', text: 'people who liked "shared taste" also liked this', video_id: shared.id });
  });

  it('limit: default 20, at most 50', async () => {
    for (let i = 0; i < 21; i++) await publish(t, alice);
    expect(await recs(await signUp(t.app, uniqueName('l')))).toHaveLength(20);
    expect(await recs(await signUp(t.app, uniqueName('l')), '?limit=3')).toHaveLength(3);
    for (const q of ['?limit=0', '?limit=51', '?limit=x']) expectError(await getAs(t, `/user/${alice.name}/recommended${q}`, alice.sid), 400, '001');
  });

  it('own route: 401 without a session, 403 for another user', async () => {
    const bob = await signUp(t.app, uniqueName('bob'));
    expectError(await getAs(t, `/user/${alice.name}/recommended`), 401, '002');
    expectError(await getAs(t, `/user/${alice.name}/recommended`, bob.sid), 403, '005');
  });
});
