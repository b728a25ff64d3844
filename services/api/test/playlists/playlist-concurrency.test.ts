import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, publish, type User } from '../fixtures/public-site.js';
import { MAX_PLAYLIST_VIDEOS } from '../../src/playlists/playlists-schemas.js';
import { addVideo, createPlaylist, itemUrl, moveVideo, readPlaylist, send, storedOrder } from './playlists-fixtures.js';

describe.each(testDialects())('playlist positions under concurrent changes on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let videos: string[];

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    videos = [];
    for (let i = 0; i < 30; i += 1) videos.push((await publish(t, alice)).id);
  });
  afterAll(async () => t?.close());

  const filled = async (ids: string[]) => {
    const p = await createPlaylist(t, alice);
    for (const id of ids) await addVideo(t, alice, p.id, id);
    return p.id;
  };
  const statuses = async (requests: Promise<{ statusCode: number; body: string }>[]) => {
    const answers = await Promise.all(requests);
    for (const a of answers) expect(a.statusCode, a.body).toBe(204);
  };

  it('20 concurrent appends of different videos take positions 0..19, each once', async () => {
    const p = await createPlaylist(t, alice);
    const twenty = videos.slice(0, 20);
    await statuses(twenty.map((id) => send(t, 'PUT', itemUrl(alice, p.id, id), alice.sid)));
    const order = await storedOrder(t, p.id);
    expect([...order].sort()).toEqual([...twenty].sort());
    expect((await readPlaylist(t, p.id)).videos_count).toBe(20);
  });

  it('10 concurrent appends of one video store it once', async () => {
    const p = await createPlaylist(t, alice);
    await statuses(Array.from({ length: 10 }, () => send(t, 'PUT', itemUrl(alice, p.id, videos[0]!), alice.sid)));
    expect(await storedOrder(t, p.id)).toEqual([videos[0]]);
  });

  it('concurrent moves keep the positions a permutation of the same videos', async () => {
    const ten = videos.slice(0, 10);
    const pid = await filled(ten);
    const moves = Array.from({ length: 20 }, (_v, i) => send(t, 'PATCH', itemUrl(alice, pid, ten[(i * 7) % 10]!), alice.sid, { position: (i * 3) % 12 }));
    await statuses(moves);
    expect([...(await storedOrder(t, pid))].sort()).toEqual([...ten].sort());
  });

  it('concurrent adds, removes and moves keep the positions a permutation', async () => {
    const start = videos.slice(0, 10);
    const added = videos.slice(10, 16);
    const removed = start.filter((_v, i) => i % 2 === 0);
    const pid = await filled(start);
    await statuses([
      ...added.map((id) => send(t, 'PUT', itemUrl(alice, pid, id), alice.sid)),
      ...removed.map((id) => send(t, 'DELETE', itemUrl(alice, pid, id), alice.sid)),
      ...[1, 3, 5].map((i) => send(t, 'PATCH', itemUrl(alice, pid, start[i]!), alice.sid, { position: 0 })),
    ]);
    const expected = [...start.filter((id) => !removed.includes(id)), ...added].sort();
    expect([...(await storedOrder(t, pid))].sort()).toEqual(expected);
  });

  it(`a playlist holds at most ${MAX_PLAYLIST_VIDEOS} videos: the next append is 409, a video already in it still 204`, async () => {
    const p = await createPlaylist(t, alice);
    const rows = Array.from({ length: MAX_PLAYLIST_VIDEOS - 1 }, (_v, i) => ({ playlist_id: p.id, video_id: `filler-${i}`, position: i, added_at: 1 }));
    for (let i = 0; i < rows.length; i += 500) await t.db.kysely.insertInto('playlist_items').values(rows.slice(i, i + 500)).execute();
    await t.db.kysely.updateTable('playlists').set({ videos_count: rows.length }).where('id', '=', p.id).execute();
    await addVideo(t, alice, p.id, videos[0]!);
    const full = await send(t, 'PUT', itemUrl(alice, p.id, videos[1]!), alice.sid);
    expectError(full, 409, '007');
    expect(full.json().error).toMatch(/at most 5000 videos/);
    await addVideo(t, alice, p.id, videos[0]!);
    await send(t, 'DELETE', itemUrl(alice, p.id, 'filler-0'), alice.sid);
    await addVideo(t, alice, p.id, videos[1]!);
    const order = await storedOrder(t, p.id);
    expect(order.length).toBe(MAX_PLAYLIST_VIDEOS);
    expect(order.slice(-2)).toEqual([videos[0], videos[1]]);
  });

  it('a gap left by a purged video is closed by the next change', async () => {
    const five = videos.slice(20, 25);
    const pid = await filled(five);
    await t.db.kysely.deleteFrom('playlist_items').where('playlist_id', '=', pid).where('video_id', '=', five[1]!).execute();
    await moveVideo(t, alice, pid, five[0]!, 99);
    expect(await storedOrder(t, pid)).toEqual([five[2], five[3], five[4], five[0]]);
    await t.db.kysely.deleteFrom('playlist_items').where('playlist_id', '=', pid).where('video_id', '=', five[3]!).execute();
    await addVideo(t, alice, pid, videos[25]!);
    expect(await storedOrder(t, pid)).toEqual([five[2], five[4], five[0], videos[25]]);
  });
});
