import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { notificationEvents, type StoredNotification } from '../../src/notifications/notify.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { getAs, withSession, type User } from '../fixtures/public-site.js';

type UserPage = { users: { id: number; user_name: string }[]; next_cursor: string | null };

describe.each(testDialects())('follows on %s', (dialect) => {
  let t: TestApp;
  let ann: User;
  let bob: User;

  const send = (method: 'PUT' | 'DELETE', me: User, name: string, sid: string | undefined = me.sid) =>
    t.app.inject({ method, url: `/user/${encodeURIComponent(me.name)}/following/${encodeURIComponent(name)}`, headers: withSession(sid) });
  const follow = async (me: User, other: User) => expect((await send('PUT', me, other.name)).statusCode).toBe(204);
  const counts = async (u: User) => {
    const row = await t.db.kysely.selectFrom('users').select(['followers_count', 'following_count']).where('id', '=', u.id).executeTakeFirstOrThrow();
    return { followers: Number(row.followers_count), following: Number(row.following_count) };
  };
  const followNotices = async (to: User, from: User) =>
    (await t.db.kysely.selectFrom('notifications').select('id').where('user_id', '=', to.id).where('actor_id', '=', from.id).where('type', '=', 'follow').execute()).length;
  const names = async (url: string) => {
    const out: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const res = await getAs(t, cursor === null ? url : `${url}&cursor=${cursor}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as UserPage;
      out.push(...page.users.map((u) => u.user_name));
      cursor = page.next_cursor;
      if (cursor === null) return out;
    }
    throw new Error('too many pages');
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    ann = await signUp(t.app, uniqueName('ann'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  describe('4xx', () => {
    it.each<[string, () => Promise<{ statusCode: number; body: string; json: () => unknown }>, number, string]>([
      ['PUT without a session', () => send('PUT', ann, bob.name, ''), 401, '002'],
      ['DELETE without a session', () => send('DELETE', ann, bob.name, ''), 401, '002'],
      ["PUT on another user's list", () => send('PUT', ann, bob.name, bob.sid), 403, '005'],
      ["DELETE on another user's list", () => send('DELETE', ann, bob.name, bob.sid), 403, '005'],
      ['PUT yourself', () => send('PUT', ann, ann.name), 400, '001'],
      ['DELETE yourself', () => send('DELETE', ann, ann.name), 400, '001'],
      ['PUT an unknown user', () => send('PUT', ann, 'nobody-here-x'), 404, '006'],
      ['DELETE an unknown user', () => send('DELETE', ann, 'nobody-here-x'), 404, '006'],
      ['PUT a name no user can have', () => send('PUT', ann, 'a b'), 404, '006'],
      ['following of an unknown user', () => getAs(t, '/user/nobody-here-x/following'), 404, '006'],
      ['followers of an unknown user', () => getAs(t, '/user/nobody-here-x/followers'), 404, '006'],
      ['followers limit 0', () => getAs(t, `/user/${bob.name}/followers?limit=0`), 400, '001'],
      ['followers limit 201', () => getAs(t, `/user/${bob.name}/followers?limit=201`), 400, '001'],
      ['followers limit 1e309', () => getAs(t, `/user/${bob.name}/followers?limit=1e309`), 400, '001'],
      ['followers cursor garbage', () => getAs(t, `/user/${bob.name}/followers?cursor=!!`), 400, '001'],
      ['followers cursor with a non-numeric id', () => getAs(t, `/user/${bob.name}/followers?cursor=${encodeCursor({ time: 1, id: 'x' })}`), 400, '001'],
    ])('%s', async (_label, run, status, code) => {
      expectError((await run()) as never, status, code);
    });
  });

  it('follow and unfollow are idempotent and move both counters once; the profile shows them', async () => {
    const [a, b] = [await signUp(t.app, uniqueName('a')), await signUp(t.app, uniqueName('b'))];
    await follow(a, b);
    await follow(a, b);
    expect(await counts(a)).toEqual({ followers: 0, following: 1 });
    expect(await counts(b)).toEqual({ followers: 1, following: 0 });
    const profile = (await getAs(t, `/user/${b.name}/profile`)).json() as { followers_count: number; following_count: number };
    expect([profile.followers_count, profile.following_count]).toEqual([1, 0]);
    for (let i = 0; i < 2; i += 1) expect((await send('DELETE', a, b.name)).statusCode).toBe(204);
    expect(await counts(a)).toEqual({ followers: 0, following: 0 });
    expect(await counts(b)).toEqual({ followers: 0, following: 0 });
  });

  it('a new follow notifies once; following again while that notice is unread does not', async () => {
    const [a, b] = [await signUp(t.app, uniqueName('a')), await signUp(t.app, uniqueName('b'))];
    await follow(a, b);
    expect(await followNotices(b, a)).toBe(1);
    await send('DELETE', a, b.name);
    await follow(a, b);
    await follow(a, b);
    expect(await followNotices(b, a)).toBe(1);
    await t.db.kysely.updateTable('notifications').set({ read: 1 }).where('user_id', '=', b.id).execute();
    await send('DELETE', a, b.name);
    await follow(a, b);
    expect(await followNotices(b, a)).toBe(2);
    expect(await followNotices(a, b)).toBe(0);
  });

  it('announces a stored follow notification once its transaction has committed', async () => {
    const [a, b] = [await signUp(t.app, uniqueName('a')), await signUp(t.app, uniqueName('b'))];
    const seen: { stored: StoredNotification; inDb: number }[] = [];
    const onStored = (stored: StoredNotification) => {
      if (stored.userId !== b.id) return;
      // Read on another connection than the writer's: visible only after the commit.
      void t.db.kysely.selectFrom('notifications').select('id').where('id', '=', stored.id).execute().then((rows) => seen.push({ stored, inDb: rows.length }));
    };
    notificationEvents.on('stored', onStored);
    try {
      await follow(a, b);
      await follow(a, b);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      notificationEvents.off('stored', onStored);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.inDb).toBe(1);
  });

  it('lists followers and following newest first, paged without repeats or gaps', async () => {
    const star = await signUp(t.app, uniqueName('star'));
    const fans: User[] = [];
    for (let i = 0; i < 5; i += 1) fans.push(await signUp(t.app, uniqueName('fan')));
    for (const [i, fan] of fans.entries()) {
      await follow(fan, star);
      // Distinct times, so newest-first is one order; two share a time to test the id tie-break.
      await t.db.kysely.updateTable('follows').set({ time: 1000 + Math.min(i, 3) }).where('follower_id', '=', fan.id).where('followee_id', '=', star.id).execute();
    }
    const expected = [fans[4], fans[3], fans[2], fans[1], fans[0]].map((f) => f!.name);
    expect(await names(`/user/${star.name}/followers?limit=2`)).toEqual(expected);
    expect(await names(`/user/${star.name}/followers?limit=50`)).toEqual(expected);
    await follow(fans[0]!, ann);
    expect(await names(`/user/${fans[0]!.name}/following?limit=1`)).toEqual([ann.name, star.name]);
    const one = (await getAs(t, `/user/${star.name}/followers?limit=1`)).json() as UserPage;
    expect(one.users[0]).toEqual({ id: fans[4]!.id, user_name: fans[4]!.name });
  });

  it('counters stay exact under 30 concurrent follows and unfollows', async () => {
    const star = await signUp(t.app, uniqueName('star'));
    const fans: User[] = [];
    for (let i = 0; i < 6; i += 1) fans.push(await signUp(t.app, uniqueName('fan')));
    const calls = Array.from({ length: 30 }, (_, i) => send(i % 3 === 2 ? 'DELETE' : 'PUT', fans[i % 6]!, star.name));
    const results = await Promise.all(calls);
    for (const r of results) expect(r.statusCode, r.body).toBe(204);
    const rows = await t.db.kysely.selectFrom('follows').select('follower_id').where('followee_id', '=', star.id).execute();
    expect((await counts(star)).followers).toBe(rows.length);
    for (const fan of fans) {
      const n = rows.filter((r) => Number(r.follower_id) === fan.id).length;
      expect((await counts(fan)).following).toBe(n);
    }
  });
});
