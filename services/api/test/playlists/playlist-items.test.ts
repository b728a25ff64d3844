import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, idsOf, patchVideo, publish, withSession, type User } from '../fixtures/public-site.js';
import { addVideo, createPlaylist, itemUrl, moveVideo, own, readPlaylist, removeVideoFrom, send, storedOrder, type PlaylistJson } from './playlists-fixtures.js';

describe.each(testDialects())('the videos of a playlist on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let list: PlaylistJson;
  let video: string;
  let bobsPrivate: string;

  const fill = async (user: User, n: number) => {
    const p = await createPlaylist(t, user);
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      ids.push((await publish(t, user)).id);
      await addVideo(t, user, p.id, ids[i]!);
    }
    return { pid: p.id, ids };
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    list = await createPlaylist(t, alice);
    video = (await publish(t, alice)).id;
    bobsPrivate = (await publish(t, bob, { privacy: 'private' })).id;
  });
  afterAll(async () => t?.close());

  describe('every refusal', () => {
    const unknownPid = '01890a5d-ac96-774b-bcce-b302099a8057';
    it.each<[string, number, string, () => ReturnType<typeof send>]>([
      ['PUT without a session', 401, '002', () => send(t, 'PUT', itemUrl(alice, list.id, video), null)],
      ["PUT under another user's name", 403, '005', () => send(t, 'PUT', itemUrl(alice, list.id, video), bob.sid)],
      ["PUT into another user's playlist under one's own name", 404, '006', () => send(t, 'PUT', itemUrl(bob, list.id, video), bob.sid)],
      ['PUT into an unknown playlist', 404, '006', () => send(t, 'PUT', itemUrl(alice, unknownPid, video), alice.sid)],
      ['PUT into a malformed playlist id', 404, '006', () => send(t, 'PUT', itemUrl(alice, 'zz', video), alice.sid)],
      ['PUT an unknown video', 404, '006', () => send(t, 'PUT', itemUrl(alice, list.id, MISSING), alice.sid)],
      ['PUT a malformed video id', 404, '006', () => send(t, 'PUT', itemUrl(alice, list.id, 'a.b'), alice.sid)],
      ["PUT someone else's private video", 404, '006', () => send(t, 'PUT', itemUrl(alice, list.id, bobsPrivate), alice.sid)],
      ['DELETE without a session', 401, '002', () => send(t, 'DELETE', itemUrl(alice, list.id, video), null)],
      ["DELETE under another user's name", 403, '005', () => send(t, 'DELETE', itemUrl(alice, list.id, video), bob.sid)],
      ["DELETE from another user's playlist", 404, '006', () => send(t, 'DELETE', itemUrl(bob, list.id, video), bob.sid)],
      ['DELETE a malformed video id', 404, '006', () => send(t, 'DELETE', itemUrl(alice, list.id, 'a.b'), alice.sid)],
      ['PATCH without a session', 401, '002', () => send(t, 'PATCH', itemUrl(alice, list.id, video), null, { position: 0 })],
      ["PATCH under another user's name", 403, '005', () => send(t, 'PATCH', itemUrl(alice, list.id, video), bob.sid, { position: 0 })],
      ["PATCH in another user's playlist", 404, '006', () => send(t, 'PATCH', itemUrl(bob, list.id, video), bob.sid, { position: 0 })],
      ['PATCH a video not in the playlist', 404, '006', () => send(t, 'PATCH', itemUrl(alice, list.id, video), alice.sid, { position: 0 })],
      ['PATCH a negative position', 400, '001', () => send(t, 'PATCH', itemUrl(alice, list.id, video), alice.sid, { position: -1 })],
      ['PATCH a fractional position', 400, '001', () => send(t, 'PATCH', itemUrl(alice, list.id, video), alice.sid, { position: 1.5 })],
      ['PATCH without a position', 400, '001', () => send(t, 'PATCH', itemUrl(alice, list.id, video), alice.sid, {})],
    ])('%s -> %i %s', async (_l, status, code, run) => {
      expectError(await run(), status, code);
    });

    it('no refusal stored an item', async () => {
      expect(await storedOrder(t, list.id)).toEqual([]);
    });
  });

  it('PUT appends in order and is idempotent; DELETE closes the gap and is idempotent', async () => {
    const { pid, ids } = await fill(alice, 4);
    await addVideo(t, alice, pid, ids[1]!);
    expect(await storedOrder(t, pid)).toEqual(ids);
    expect(idsOf((await readPlaylist(t, pid)).videos)).toEqual(ids);
    await removeVideoFrom(t, alice, pid, ids[1]!);
    await removeVideoFrom(t, alice, pid, ids[1]!);
    await removeVideoFrom(t, alice, pid, MISSING);
    expect(await storedOrder(t, pid)).toEqual([ids[0], ids[2], ids[3]]);
    await addVideo(t, alice, pid, ids[1]!);
    expect(await storedOrder(t, pid)).toEqual([ids[0], ids[2], ids[3], ids[1]]);
  });

  it('PATCH moves a video to a 0-based position, past the end to the end', async () => {
    const { pid, ids } = await fill(alice, 5);
    const [a, b, c, d, e] = ids as [string, string, string, string, string];
    await moveVideo(t, alice, pid, d, 0);
    expect(await storedOrder(t, pid)).toEqual([d, a, b, c, e]);
    await moveVideo(t, alice, pid, d, 3);
    expect(await storedOrder(t, pid)).toEqual([a, b, c, d, e]);
    await moveVideo(t, alice, pid, a, 1000);
    expect(await storedOrder(t, pid)).toEqual([b, c, d, e, a]);
    await moveVideo(t, alice, pid, c, 1);
    expect(await storedOrder(t, pid)).toEqual([b, c, d, e, a]);
    await moveVideo(t, alice, pid, e, 1);
    expect(await storedOrder(t, pid)).toEqual([b, e, c, d, a]);
    expect(idsOf((await readPlaylist(t, pid)).videos)).toEqual([b, e, c, d, a]);
  });

  it("each viewer sees only the videos they may see, and videos_count counts those", async () => {
    const p = await createPlaylist(t, alice, { name: 'mixed' });
    const pub = (await publish(t, alice)).id;
    const unlisted = (await publish(t, alice, { privacy: 'unlisted' })).id;
    const priv = (await publish(t, alice, { privacy: 'private' })).id;
    const pending = (await publish(t, alice, {}, false)).id;
    const bobsPublic = (await publish(t, bob)).id;
    const laterPrivate = (await publish(t, bob)).id;
    const deleted = (await publish(t, alice)).id;
    for (const id of [pub, unlisted, priv, pending, bobsPublic, laterPrivate, deleted]) await addVideo(t, alice, p.id, id);
    await patchVideo(t, bob, laterPrivate, { privacy: 'private' });
    const del = await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${deleted}`, headers: withSession(alice.sid) });
    expect(del.statusCode).toBe(204);

    const ownerView = await readPlaylist(t, p.id, alice.sid);
    expect(idsOf(ownerView.videos)).toEqual([pub, unlisted, priv, pending, bobsPublic]);
    expect(ownerView.videos_count).toBe(5);
    const bobView = await readPlaylist(t, p.id, bob.sid);
    expect(idsOf(bobView.videos)).toEqual([pub, bobsPublic, laterPrivate]);
    expect(bobView.videos_count).toBe(3);
    const visitorView = await readPlaylist(t, p.id);
    expect(idsOf(visitorView.videos)).toEqual([pub, bobsPublic]);
    expect(visitorView.videos_count).toBe(2);

    const counts = async (sid?: string) => {
      const res = await getAs(t, own(alice), sid);
      return (res.json() as { playlists: PlaylistJson[] }).playlists.find((x) => x.id === p.id)?.videos_count;
    };
    expect([await counts(alice.sid), await counts(bob.sid), await counts()]).toEqual([5, 3, 2]);
  });
});
