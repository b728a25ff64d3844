import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, type User } from '../fixtures/public-site.js';
import { createPlaylist, own, readPlaylist, send, type PlaylistJson } from './playlists-fixtures.js';

const UNKNOWN_PID = '01890a5d-ac96-774b-bcce-b302099a8057';

describe.each(testDialects())('playlists on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let mine: PlaylistJson;

  const list = async (user: User, sid?: string, query = '') => {
    const res = await getAs(t, `${own(user)}${query}`, sid);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { playlists: PlaylistJson[]; next_cursor: string | null };
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    mine = await createPlaylist(t, alice, { name: 'mine' });
  });
  afterAll(async () => t?.close());

  describe('every refusal', () => {
    const long = (n: number) => 'x'.repeat(n);
    it.each<[string, number, string, () => ReturnType<typeof send>]>([
      ['POST without a session', 401, '002', () => send(t, 'POST', own(alice), null, { name: 'x' })],
      ["POST under another user's name", 403, '005', () => send(t, 'POST', own(alice), bob.sid, { name: 'x' })],
      ['POST without a name', 400, '001', () => send(t, 'POST', own(alice), alice.sid, {})],
      ['POST a blank name', 400, '001', () => send(t, 'POST', own(alice), alice.sid, { name: '   ' })],
      ['POST a name of 201 characters', 400, '001', () => send(t, 'POST', own(alice), alice.sid, { name: long(201) })],
      ['POST a description of 5,001 characters', 400, '001', () => send(t, 'POST', own(alice), alice.sid, { name: 'x', description: long(5001) })],
      ['POST an unknown privacy', 400, '001', () => send(t, 'POST', own(alice), alice.sid, { name: 'x', privacy: 'secret' })],
      ['POST a name that is a number', 400, '001', () => send(t, 'POST', own(alice), alice.sid, { name: 5 })],
      ['PATCH without a session', 401, '002', () => send(t, 'PATCH', own(alice, `/${mine.id}`), null, { name: 'y' })],
      ["PATCH under another user's name", 403, '005', () => send(t, 'PATCH', own(alice, `/${mine.id}`), bob.sid, { name: 'y' })],
      ["PATCH another user's playlist under one's own name", 404, '006', () => send(t, 'PATCH', own(bob, `/${mine.id}`), bob.sid, { name: 'y' })],
      ['PATCH an unknown playlist', 404, '006', () => send(t, 'PATCH', own(alice, `/${UNKNOWN_PID}`), alice.sid, { name: 'y' })],
      ['PATCH a malformed playlist id', 404, '006', () => send(t, 'PATCH', own(alice, '/nope'), alice.sid, { name: 'y' })],
      ['PATCH an empty body', 400, '001', () => send(t, 'PATCH', own(alice, `/${mine.id}`), alice.sid, {})],
      ['PATCH a blank name', 400, '001', () => send(t, 'PATCH', own(alice, `/${mine.id}`), alice.sid, { name: '' })],
      ['PATCH an unknown privacy', 400, '001', () => send(t, 'PATCH', own(alice, `/${mine.id}`), alice.sid, { privacy: 'everyone' })],
      ['DELETE without a session', 401, '002', () => send(t, 'DELETE', own(alice, `/${mine.id}`), null)],
      ["DELETE under another user's name", 403, '005', () => send(t, 'DELETE', own(alice, `/${mine.id}`), bob.sid)],
      ["DELETE another user's playlist under one's own name", 404, '006', () => send(t, 'DELETE', own(bob, `/${mine.id}`), bob.sid)],
      ['DELETE a malformed playlist id', 404, '006', () => send(t, 'DELETE', own(alice, '/x'), alice.sid)],
      ['GET a list of an unknown user', 404, '006', () => getAs(t, `/user/${uniqueName('nobody')}/playlists`)],
      ['GET a list of a malformed user name', 404, '006', () => getAs(t, '/user/a%20b/playlists')],
      ['GET a list with limit 0', 400, '001', () => getAs(t, `${own(alice)}?limit=0`)],
      ['GET a list with a bad cursor', 400, '001', () => getAs(t, `${own(alice)}?cursor=%5B1%5D`)],
      ['GET an unknown playlist', 404, '006', () => getAs(t, `/playlists/${UNKNOWN_PID}`)],
      ['GET a malformed playlist id', 404, '006', () => getAs(t, '/playlists/..%2Fx')],
      ['GET a video id as a playlist id', 404, '006', () => getAs(t, `/playlists/${MISSING.toUpperCase()}`)],
    ])('%s -> %i %s', async (_l, status, code, run) => {
      expectError(await run(), status, code);
    });

    it('the refused writes changed nothing', async () => {
      expect(await readPlaylist(t, mine.id)).toMatchObject({ name: 'mine', privacy: 'public' });
      expect((await list(alice, alice.sid)).playlists.map((p) => p.name)).toEqual(['mine']);
    });
  });

  it('POST answers the playlist: trimmed, public by default, owned by the caller, empty', async () => {
    const u = await signUp(t.app, uniqueName('carol'));
    const p = await createPlaylist(t, u, { name: '  road trip  ', description: ' songs ' });
    expect(p).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      owner: { id: u.id, user_name: u.name },
      name: 'road trip',
      description: 'songs',
      privacy: 'public',
      videos_count: 0,
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await readPlaylist(t, p.id)).toEqual({ ...p, videos: [] });
    const full = await createPlaylist(t, u, { name: 'é'.repeat(200), description: 'd'.repeat(5000), privacy: 'unlisted' });
    expect(full).toMatchObject({ privacy: 'unlisted', description: 'd'.repeat(5000) });
  });

  it('PATCH changes any of name, description, privacy and answers the playlist', async () => {
    const p = await createPlaylist(t, alice, { name: 'before' });
    const res = await send(t, 'PATCH', own(alice, `/${p.id}`), alice.sid, { name: ' after ', description: 'now', privacy: 'private' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...p, name: 'after', description: 'now', privacy: 'private' });
    const again = await send(t, 'PATCH', own(alice, `/${p.id}`), alice.sid, { privacy: 'unlisted' });
    expect(again.json()).toEqual({ ...p, name: 'after', description: 'now', privacy: 'unlisted' });
  });

  it('private playlists: the owner only, else 404; unlisted: by id, never listed to others', async () => {
    const u = await signUp(t.app, uniqueName('dave'));
    const pub = await createPlaylist(t, u, { name: 'pub' });
    const unl = await createPlaylist(t, u, { name: 'unl', privacy: 'unlisted' });
    const prv = await createPlaylist(t, u, { name: 'prv', privacy: 'private' });
    expectError(await getAs(t, `/playlists/${prv.id}`), 404, '006');
    expectError(await getAs(t, `/playlists/${prv.id}`, bob.sid), 404, '006');
    expect((await readPlaylist(t, prv.id, u.sid)).name).toBe('prv');
    expect((await readPlaylist(t, unl.id)).name).toBe('unl');
    expect((await readPlaylist(t, unl.id, bob.sid)).name).toBe('unl');
    expect((await list(u)).playlists.map((p) => p.id)).toEqual([pub.id]);
    expect((await list(u, bob.sid)).playlists.map((p) => p.id)).toEqual([pub.id]);
    expect((await list(u, u.sid)).playlists.map((p) => p.id)).toEqual([prv.id, unl.id, pub.id]);
  });

  it('DELETE removes the playlist and its items; a second DELETE is 404', async () => {
    const p = await createPlaylist(t, alice, { name: 'doomed' });
    await t.db.kysely.insertInto('playlist_items').values({ playlist_id: p.id, video_id: MISSING, position: 0, added_at: 1 }).execute();
    expect((await send(t, 'DELETE', own(alice, `/${p.id}`), alice.sid)).statusCode).toBe(204);
    expectError(await getAs(t, `/playlists/${p.id}`, alice.sid), 404, '006');
    expect(await t.db.kysely.selectFrom('playlist_items').selectAll().where('playlist_id', '=', p.id).execute()).toEqual([]);
    expectError(await send(t, 'DELETE', own(alice, `/${p.id}`), alice.sid), 404, '006');
  });

  it('every favorites and playlists route is described in /openapi.json', async () => {
    const doc = (await getAs(t, '/openapi.json')).json() as { paths: Record<string, Record<string, { responses: object }>> };
    const routes: [string, string[]][] = [
      ['/user/{username}/favorites/{vid}', ['put', 'delete']],
      ['/user/{username}/favorites', ['get']],
      ['/user/{username}/playlists', ['get', 'post']],
      ['/playlists/{pid}', ['get']],
      ['/user/{username}/playlists/{pid}', ['patch', 'delete']],
      ['/user/{username}/playlists/{pid}/videos/{vid}', ['put', 'delete', 'patch']],
    ];
    for (const [path, methods] of routes) {
      for (const m of methods) expect(Object.keys(doc.paths[path]?.[m]?.responses ?? {}).filter((s) => /^[24]\d\d$/.test(s)).length, `${m} ${path}`).toBeGreaterThan(1);
    }
  });

  it("a user's list is newest first over pages, each playlist once", async () => {
    const u = await signUp(t.app, uniqueName('erin'));
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.unshift((await createPlaylist(t, u, { name: `p${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const body = await list(u, undefined, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.playlists.map((p) => p.id));
      expect(body.playlists.length).toBeLessThanOrEqual(2);
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(made);
  });
});
