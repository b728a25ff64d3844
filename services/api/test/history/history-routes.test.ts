import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { recordWatch } from '../../src/history/history-repository.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, allPages, getAs, idsOf, patchVideo, publish, withSession, type User } from '../fixtures/public-site.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Just past view_after_seconds (1 in these tests). */
const AFTER_MS = 1100;

describe.each(testDialects())('watch history on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { ...ROOMY_LIMITS, view_after_seconds: 1 });
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  const report = async (id: string, sid?: string, address = '127.0.0.1') => {
    const res = await t.app.inject({ method: 'POST', url: `/videos/${id}/views`, headers: withSession(sid), remoteAddress: address, payload: { position: 1 } });
    expect(res.statusCode, res.body).toBe(204);
  };
  /** Two reports view_after_seconds apart: one counted view. */
  const watch = async (id: string, sid?: string, address?: string) => {
    await report(id, sid, address);
    await sleep(AFTER_MS);
    await report(id, sid, address);
  };
  const history = (u: User) => allPages(t, `/user/${u.name}/history?limit=2`, { sid: u.sid });

  it('counted views of a signed-in user only, last watched first, paged', async () => {
    const carol = await signUp(t.app, uniqueName('carol'));
    const [v1, v2, v3, v4] = [await publish(t, alice), await publish(t, alice), await publish(t, alice), await publish(t, alice)];
    await watch(v1.id, carol.sid);
    await Promise.all([
      watch(v2.id, carol.sid),
      // Uncounted: a single report.
      report(v3.id, carol.sid),
      // Counted, but anonymous.
      watch(v4.id, undefined, '10.9.9.9'),
    ]);
    await watch(v3.id, bob.sid);
    expect(idsOf(await history(carol))).toEqual([v2.id, v1.id]);
    expect(idsOf(await history(bob))).toEqual([v3.id]);
    const first = (await getAs(t, `/user/${carol.name}/history?limit=1`, carol.sid)).json() as { videos: unknown[]; next_cursor: string | null };
    expect(first.videos).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
  });

  it('a later counted view moves the video to the top (one row per video)', async () => {
    const dave = await signUp(t.app, uniqueName('dave'));
    const [a, b] = [await publish(t, alice), await publish(t, alice)];
    await recordWatch(t.db, dave.id, a.id, 1_000);
    await recordWatch(t.db, dave.id, b.id, 2_000);
    expect(idsOf(await history(dave))).toEqual([b.id, a.id]);
    await recordWatch(t.db, dave.id, a.id, 3_000);
    // An older time never moves it back.
    await recordWatch(t.db, dave.id, b.id, 1_500);
    expect(idsOf(await history(dave))).toEqual([a.id, b.id]);
  });

  it('videos the user can no longer see drop out; unlisted and their own private ones stay', async () => {
    const erin = await signUp(t.app, uniqueName('erin'));
    const [priv, gone, unl, mine] = [await publish(t, alice), await publish(t, alice), await publish(t, alice), await publish(t, erin)];
    for (const [i, v] of [priv, gone, unl, mine].entries()) await recordWatch(t.db, erin.id, v.id, 10_000 + i);
    await patchVideo(t, alice, priv.id, { privacy: 'private' });
    await patchVideo(t, alice, unl.id, { privacy: 'unlisted' });
    await patchVideo(t, erin, mine.id, { privacy: 'private' });
    const del = await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${gone.id}`, headers: withSession(alice.sid) });
    expect(del.statusCode, del.body).toBe(204);
    expect(idsOf(await history(erin))).toEqual([mine.id, unl.id]);
  });

  it('DELETE clears it', async () => {
    const fay = await signUp(t.app, uniqueName('fay'));
    const v = await publish(t, alice);
    await recordWatch(t.db, fay.id, v.id, 5_000);
    await recordWatch(t.db, bob.id, v.id, 5_000);
    const res = await t.app.inject({ method: 'DELETE', url: `/user/${fay.name}/history`, headers: withSession(fay.sid) });
    expect(res.statusCode).toBe(204);
    expect(await history(fay)).toEqual([]);
    // Only hers.
    expect(idsOf(await history(bob))).toContain(v.id);
  });

  it.each([
    ['GET', 'no session', undefined, 401, '002'],
    ['GET', "another user's", 'bob', 403, '005'],
    ['DELETE', 'no session', undefined, 401, '002'],
    ['DELETE', "another user's", 'bob', 403, '005'],
  ] as const)('%s %s -> %i', async (method, _l, as, status, code) => {
    const res = await t.app.inject({ method, url: `/user/${alice.name}/history`, headers: withSession(as ? bob.sid : undefined) });
    expectError(res, status, code);
  });

  it.each(['?cursor=nope', '?limit=0', '?limit=201', '?limit=1e309'])('bad query %s -> 400', async (q) => {
    expectError(await getAs(t, `/user/${alice.name}/history${q}`, alice.sid), 400, '001');
  });
});
