import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { isBlocked } from '../../src/blocks/index.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { getAs, withSession, type User } from '../fixtures/public-site.js';

describe.each(testDialects())('blocks on %s', (dialect) => {
  let t: TestApp;
  let ann: User;
  let bob: User;

  const send = (method: 'PUT' | 'DELETE', me: User, name: string, sid: string = me.sid) =>
    t.app.inject({ method, url: `/user/${encodeURIComponent(me.name)}/blocked/${encodeURIComponent(name)}`, headers: withSession(sid) });
  const blocked = (owner: User, actor: User) => isBlocked(t.db.kysely, { ownerId: owner.id, actorId: actor.id });
  const listOf = async (me: User, query = '') => {
    const res = await getAs(t, `/user/${me.name}/blocked${query}`, me.sid);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { users: { id: number; user_name: string }[]; next_cursor: string | null };
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    ann = await signUp(t.app, uniqueName('ann'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  describe('4xx', () => {
    it.each<[string, () => Promise<never>, number, string]>([
      ['PUT without a session', () => send('PUT', ann, bob.name, '') as never, 401, '002'],
      ['DELETE without a session', () => send('DELETE', ann, bob.name, '') as never, 401, '002'],
      ["PUT on another user's list", () => send('PUT', ann, bob.name, bob.sid) as never, 403, '005'],
      ["DELETE on another user's list", () => send('DELETE', ann, bob.name, bob.sid) as never, 403, '005'],
      ['PUT yourself', () => send('PUT', ann, ann.name) as never, 400, '001'],
      ['DELETE yourself', () => send('DELETE', ann, ann.name) as never, 400, '001'],
      ['PUT an unknown user', () => send('PUT', ann, 'nobody-here-x') as never, 404, '006'],
      ['DELETE an unknown user', () => send('DELETE', ann, 'nobody-here-x') as never, 404, '006'],
      ['list without a session', () => getAs(t, `/user/${ann.name}/blocked`) as never, 401, '002'],
      ["another user's list", () => getAs(t, `/user/${ann.name}/blocked`, bob.sid) as never, 403, '005'],
      ['list limit 0', () => getAs(t, `/user/${ann.name}/blocked?limit=0`, ann.sid) as never, 400, '001'],
      ['list cursor with a non-numeric id', () => getAs(t, `/user/${ann.name}/blocked?cursor=${encodeCursor({ time: 1, id: 'x' })}`, ann.sid) as never, 400, '001'],
    ])('%s', async (_label, run, status, code) => {
      expectError(await run(), status, code);
    });
  });

  it('PUT and DELETE are idempotent, one-directional, and isBlocked tells', async () => {
    expect(await blocked(ann, bob)).toBe(false);
    for (let i = 0; i < 2; i += 1) expect((await send('PUT', ann, bob.name)).statusCode).toBe(204);
    expect(await blocked(ann, bob)).toBe(true);
    expect(await blocked(bob, ann)).toBe(false);
    expect(await blocked(ann, ann)).toBe(false);
    expect((await listOf(ann)).users).toEqual([{ id: bob.id, user_name: bob.name }]);
    for (let i = 0; i < 2; i += 1) expect((await send('DELETE', ann, bob.name)).statusCode).toBe(204);
    expect(await blocked(ann, bob)).toBe(false);
    expect((await listOf(ann)).users).toEqual([]);
  });

  it('lists the blocked newest first, paged', async () => {
    const me = await signUp(t.app, uniqueName('me'));
    const others: User[] = [];
    for (let i = 0; i < 3; i += 1) {
      const o = await signUp(t.app, uniqueName('o'));
      others.push(o);
      await send('PUT', me, o.name);
      await t.db.kysely.updateTable('blocks').set({ time: 5000 + i }).where('user_id', '=', me.id).where('blocked_id', '=', o.id).execute();
    }
    const first = await listOf(me, '?limit=2');
    expect(first.users.map((u) => u.id)).toEqual([others[2]!.id, others[1]!.id]);
    const second = await listOf(me, `?limit=2&cursor=${first.next_cursor}`);
    expect(second).toEqual({ users: [{ id: others[0]!.id, user_name: others[0]!.name }], next_cursor: null });
  });
});
