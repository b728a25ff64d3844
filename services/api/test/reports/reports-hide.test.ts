import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, allPages, getAs, idsOf, publish, token, withSession, type User } from '../fixtures/public-site.js';
import { decideAs, hiddenAt, report, reportAs, setRole } from './report-fixtures.js';

const THRESHOLD = 3;

describe.each(testDialects())('auto-hide after reports on %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let follower: User;
  let mod: User;
  let reporters: User[];

  beforeAll(async () => {
    t = await buildTestApp(dialect, { ...ROOMY_LIMITS, auto_hide_reports: THRESHOLD });
    owner = await signUp(t.app, uniqueName('owner'));
    follower = await signUp(t.app, uniqueName('fan'));
    mod = await signUp(t.app, uniqueName('mod'));
    await setRole(t, mod, 'moderator');
    reporters = [];
    for (let i = 0; i < 8; i++) reporters.push(await signUp(t.app, uniqueName('r')));
    const res = await t.app.inject({ method: 'PUT', url: `/user/${follower.name}/following/${owner.name}`, headers: withSession(follower.sid) });
    expect(res.statusCode, res.body).toBeLessThan(300);
  });
  afterAll(async () => t?.close());

  const autoHides = async (vid: string) =>
    (await t.db.kysely.selectFrom('audit_log').select('id').where('action', '=', 'video.auto_hide').where('target_id', '=', vid).execute()).length;

  /** Where a listed video shows up: each list says whether it holds `vid`. */
  async function listedIn(vid: string, word: string, sibling: string): Promise<Record<string, boolean>> {
    const has = (ids: string[]) => ids.includes(vid);
    const rss = await getAs(t, `/user/${owner.name}/videos.rss`);
    const profile = (await getAs(t, `/user/${owner.name}/profile`)).json() as { videos_count: number };
    const related = (await getAs(t, `/videos/${sibling}/related?limit=50`)).json() as { videos: { id: string }[] };
    const recommended = (await getAs(t, `/user/${follower.name}/recommended?limit=50`, follower.sid)).json() as { videos: { id: string }[] };
    return {
      feed: has(idsOf(await allPages(t, '/videos?sort=recent&limit=50'))),
      hot: has(idsOf(await allPages(t, '/videos?sort=hot&limit=50'))),
      search: has(idsOf(await allPages(t, `/search?q=${word}`))),
      related: has(idsOf(related.videos)),
      recommended: has(idsOf(recommended.videos)),
      subscriptions: has(idsOf(await allPages(t, `/user/${follower.name}/feed`, { sid: follower.sid }))),
      rss: rss.body.includes(vid),
      channel: has(idsOf(await allPages(t, `/user/${owner.name}/videos`, { sid: follower.sid }))),
      counted: profile.videos_count === 2,
    };
  }
  const everywhere = { feed: true, hot: true, search: true, related: true, recommended: true, subscriptions: true, rss: true, channel: true, counted: true };
  const nowhere = Object.fromEntries(Object.keys(everywhere).map((k) => [k, false]));

  it('hides a video once THRESHOLD different users report it, keeps it reachable by URL, and a dismissal of the last open report brings it back', async () => {
    const word = token('hide');
    const v = await publish(t, owner, { name: `${word} one`, tags: [word] });
    const sibling = await publish(t, owner, { name: `${word} two`, tags: [word] });
    expect(await listedIn(v.id, word, sibling.id)).toEqual(everywhere);

    const first = await report(t, reporters[0]!, 'video', v.id);
    // The same user again, and reports on its comments, do not count towards the threshold.
    expect((await reportAs(t, reporters[0]!, { target: 'video', id: v.id, reason: 'other' })).statusCode).toBe(409);
    await report(t, reporters[1]!, 'user', owner.name);
    expect(await hiddenAt(t, v.id)).toBeNull();
    const second = await report(t, reporters[1]!, 'video', v.id);
    expect(await hiddenAt(t, v.id)).toBeNull();
    const third = await report(t, reporters[2]!, 'video', v.id);
    expect(await hiddenAt(t, v.id)).not.toBeNull();
    expect(await autoHides(v.id)).toBe(1);

    expect(await listedIn(v.id, word, sibling.id)).toEqual(nowhere);
    const direct = await getAs(t, `/videos/${v.id}`);
    expect(direct.statusCode).toBe(200);
    expect(direct.json()).toMatchObject({ id: v.id, hidden: true });
    const own = await allPages(t, `/user/${owner.name}/videos`, { sid: owner.sid });
    expect(own.find((x) => x.id === v.id)).toMatchObject({ hidden: true });

    // Two of three dismissed: one report is still open, so it stays hidden.
    for (const r of [first, second]) expect((await decideAs(t, mod, r.id, { state: 'dismissed' })).statusCode).toBe(200);
    expect(await hiddenAt(t, v.id)).not.toBeNull();
    const last = await decideAs(t, mod, third.id, { state: 'dismissed' });
    expect(last.json()).toMatchObject({ state: 'dismissed', video_hidden: false });
    expect(await hiddenAt(t, v.id)).toBeNull();
    expect(await listedIn(v.id, word, sibling.id)).toEqual(everywhere);
    const audit = await t.db.kysely.selectFrom('audit_log').select('detail').where('target_id', '=', third.id).executeTakeFirstOrThrow();
    expect(JSON.parse(audit.detail)).toMatchObject({ unhidden: true });
  });

  it('resolving the reports leaves the video hidden', async () => {
    const v = await publish(t, owner, { name: 'resolved one' });
    const rs = [];
    for (const u of reporters.slice(0, THRESHOLD)) rs.push(await report(t, u, 'video', v.id));
    expect(await hiddenAt(t, v.id)).not.toBeNull();
    for (const r of rs) expect((await decideAs(t, mod, r.id, { state: 'resolved' })).statusCode).toBe(200);
    expect(await hiddenAt(t, v.id)).not.toBeNull();
    const later = await report(t, reporters[5]!, 'video', v.id);
    expect((await decideAs(t, mod, later.id, { state: 'dismissed' })).json()).toMatchObject({ video_hidden: false });
    expect(await hiddenAt(t, v.id)).toBeNull();
  });

  it.each([THRESHOLD, 8])('%i concurrent reports from different users cross the threshold exactly once', async (n) => {
    const v = await publish(t, owner, { name: 'raced' });
    const results = await Promise.all(reporters.slice(0, n).map((u) => reportAs(t, u, { target: 'video', id: v.id, reason: 'spam' })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(n).fill(201));
    expect(await hiddenAt(t, v.id)).not.toBeNull();
    expect(await autoHides(v.id)).toBe(1);
  });

  it('THRESHOLD - 1 concurrent reports do not hide', async () => {
    const v = await publish(t, owner, { name: 'almost' });
    await Promise.all(reporters.slice(0, THRESHOLD - 1).map((u) => report(t, u, 'video', v.id)));
    expect(await hiddenAt(t, v.id)).toBeNull();
    expect(await autoHides(v.id)).toBe(0);
  });
});
