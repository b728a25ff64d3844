import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, allPages, getAs, idsOf, patchVideo, publish, withSession, type User } from '../fixtures/public-site.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(testDialects())('favorites on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let video: string;

  const favUrl = (user: User, id = '') => `/user/${encodeURIComponent(user.name)}/favorites${id ? `/${id}` : ''}`;
  const put = (user: User, id: string, sid: string | null = user.sid) => t.app.inject({ method: 'PUT', url: favUrl(user, id), headers: withSession(sid ?? undefined) });
  const del = (user: User, id: string, sid: string | null = user.sid) => t.app.inject({ method: 'DELETE', url: favUrl(user, id), headers: withSession(sid ?? undefined) });
  const favorite = async (user: User, id: string) => {
    const res = await put(user, id);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
  };
  const favorites = async (user: User) => idsOf(await allPages(t, favUrl(user), { sid: user.sid }));
  const removeVideo = async (user: User, id: string) => {
    const res = await t.app.inject({ method: 'DELETE', url: `/user/${encodeURIComponent(user.name)}/videos/${id}`, headers: withSession(user.sid) });
    expect(res.statusCode, res.body).toBe(204);
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    video = (await publish(t, alice)).id;
  });
  afterAll(async () => t?.close());

  describe('every refusal', () => {
    let hidden: string;
    let gone: string;
    beforeAll(async () => {
      hidden = (await publish(t, alice, { privacy: 'private' })).id;
      gone = (await publish(t, alice)).id;
      await removeVideo(alice, gone);
    });

    it.each<[string, number, string, () => ReturnType<typeof put>]>([
      ['PUT without a session', 401, '002', () => put(bob, video, null)],
      ['PUT with an unknown session', 401, '002', () => put(bob, video, MISSING)],
      ["PUT under another user's name", 403, '005', () => put(alice, video, bob.sid)],
      ['PUT an unknown video', 404, '006', () => put(bob, MISSING)],
      ['PUT a malformed video id', 404, '006', () => put(bob, 'x%27or%201')],
      ["PUT someone else's private video", 404, '006', () => put(bob, hidden)],
      ['PUT a deleted video', 404, '006', () => put(bob, gone)],
      ['DELETE without a session', 401, '002', () => del(bob, video, null)],
      ["DELETE under another user's name", 403, '005', () => del(alice, video, bob.sid)],
      ['DELETE a malformed video id', 404, '006', () => del(bob, 'a.b')],
      ['GET without a session', 401, '002', () => getAs(t, favUrl(bob))],
      ["GET another user's favorites", 403, '005', () => getAs(t, favUrl(alice), bob.sid)],
      ['GET with limit 0', 400, '001', () => getAs(t, `${favUrl(bob)}?limit=0`, bob.sid)],
      ['GET with limit 201', 400, '001', () => getAs(t, `${favUrl(bob)}?limit=201`, bob.sid)],
      ['GET with a malformed cursor', 400, '001', () => getAs(t, `${favUrl(bob)}?cursor=nope!`, bob.sid)],
      ["GET with another list's cursor", 400, '001', () => getAs(t, `${favUrl(bob)}?cursor=${Buffer.from('[1,"a"]').toString('base64url')}`, bob.sid)],
    ])('%s -> %i %s', async (_l, status, code, run) => {
      expectError(await run(), status, code);
    });

    it('no refusal stored a favorite', async () => {
      const rows = await t.db.kysely.selectFrom('favorites').selectAll().where('user_id', '=', bob.id).execute();
      expect(rows).toEqual([]);
    });
  });

  it('PUT and DELETE are idempotent; a second PUT keeps the first time', async () => {
    const u = await signUp(t.app, uniqueName('carol'));
    const [a, b] = [(await publish(t, alice)).id, (await publish(t, alice)).id];
    await favorite(u, a);
    await sleep(3);
    await favorite(u, b);
    await sleep(3);
    await favorite(u, a);
    expect(await favorites(u)).toEqual([b, a]);
    expect((await del(u, a)).statusCode).toBe(204);
    expect((await del(u, a)).statusCode).toBe(204);
    expect((await del(u, MISSING)).statusCode).toBe(204);
    expect(await favorites(u)).toEqual([b]);
  });

  it('the list is most recently added first, over pages, each video once', async () => {
    const u = await signUp(t.app, uniqueName('dave'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await publish(t, alice)).id);
      await favorite(u, ids[i]!);
      await sleep(2);
    }
    const first = await getAs(t, `${favUrl(u)}?limit=2`, u.sid);
    const body = first.json() as { videos: { id: string; author: string; name: string }[]; next_cursor: string | null };
    expect(idsOf(body.videos)).toEqual([ids[4], ids[3]]);
    expect(body.videos[0]).toMatchObject({ author: alice.name, name: 'a video', privacy: 'public' });
    expect(idsOf(await allPages(t, `${favUrl(u)}?limit=2`, { sid: u.sid, cursor: body.next_cursor }))).toEqual([ids[2], ids[1], ids[0]]);
  });

  it('a video made private or deleted drops out at once; made public again it is back', async () => {
    const u = await signUp(t.app, uniqueName('erin'));
    const [shown, hiddenLater, deletedLater] = [(await publish(t, alice)).id, (await publish(t, alice)).id, (await publish(t, alice)).id];
    for (const id of [shown, hiddenLater, deletedLater]) await favorite(u, id);
    await patchVideo(t, alice, hiddenLater, { privacy: 'private' });
    await removeVideo(alice, deletedLater);
    expect(await favorites(u)).toEqual([shown]);
    await patchVideo(t, alice, hiddenLater, { privacy: 'public' });
    expect(await favorites(u)).toEqual([hiddenLater, shown]);
  });

  it("one's own private videos and others' unlisted ones (readable by id) may be favorites", async () => {
    const own = (await publish(t, bob, { privacy: 'private' })).id;
    const unlisted = (await publish(t, alice, { privacy: 'unlisted' })).id;
    const u = bob;
    await favorite(u, own);
    await sleep(2);
    await favorite(u, unlisted);
    const list = await favorites(u);
    expect(list.slice(0, 2)).toEqual([unlisted, own]);
    await patchVideo(t, alice, unlisted, { privacy: 'private' });
    expect(await favorites(u)).not.toContain(unlisted);
  });
});
