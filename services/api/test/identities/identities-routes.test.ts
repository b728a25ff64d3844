import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { baseUserName } from '../../src/identities/account-names.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';

const TOKEN = 'identities-test-token';
const internal = { 'x-internal-token': TOKEN };

describe('baseUserName', () => {
  it.each([
    ['alice', 'alice'],
    ['Alice Example', 'Alice_Example'],
    ['alice@example.com', 'alice_example.com'],
    ['张三', '张三'],
    ['!!!', 'user'],
    ['', 'user'],
    [undefined, 'user'],
    ['  -x-  ', 'x'],
    ['a'.repeat(80), 'a'.repeat(56)],
    ['e\u0301', '\u00e9'],
  ])('%j -> %j', (hint, name) => {
    expect(baseUserName(hint)).toBe(name);
  });
});

describe.each(testDialects())('identities on %s', (dialect) => {
  let t: TestApp;
  const signin = (payload: object, headers: Record<string, string> = internal) =>
    t.app.inject({ method: 'POST', url: '/internal/identities/signin', headers, payload });
  const link = (sid: string, payload: object) =>
    t.app.inject({ method: 'POST', url: '/internal/identities/link', headers: { ...internal, 'x-session-id': sid }, payload });
  const sub = () => uniqueName('sub');

  beforeAll(async () => {
    t = await buildTestApp(dialect, { internal_token: TOKEN });
  });
  afterAll(async () => t?.close());

  it.each([
    ['no token', {}],
    ['a wrong token', { 'x-internal-token': 'nope' }],
    ['an empty token', { 'x-internal-token': '' }],
  ])('internal routes refuse %s with 401 002', async (_label, headers) => {
    expectError(await signin({ provider: 'test', subject: 'x' }, headers), 401, '002');
    const res = await t.app.inject({ method: 'POST', url: '/internal/identities/link', headers, payload: { provider: 'test', subject: 'x' } });
    expectError(res, 401, '002');
  });

  it('an api with no internal token configured refuses every internal call', async () => {
    const open = await buildTestApp(dialect, { internal_token: '' });
    try {
      const res = await open.app.inject({ method: 'POST', url: '/internal/identities/signin', headers: { 'x-internal-token': '' }, payload: { provider: 'test', subject: 'x' } });
      expectError(res, 401, '002');
    } finally {
      await open.close();
    }
  });

  it.each([
    ['no body', undefined],
    ['an upper-case provider', { provider: 'Test', subject: 'x' }],
    ['a long provider', { provider: 'p'.repeat(33), subject: 'x' }],
    ['an empty subject', { provider: 'test', subject: '' }],
    ['a subject with a space', { provider: 'test', subject: 'a b' }],
    ['a 256-char subject', { provider: 'test', subject: 's'.repeat(256) }],
    ['a numeric subject', { provider: 'test', subject: 5 }],
    ['a long name hint', { provider: 'test', subject: 'x', name_hint: 'n'.repeat(501) }],
  ])('signin with %s -> 400 001', async (_label, payload) => {
    expectError(await signin(payload as object), 400, '001');
  });

  it('the first sign-in creates an account named after the hint; the next finds it; the session works', async () => {
    const subject = sub();
    const hint = uniqueName('Ann Lee');
    const first = await signin({ provider: 'test', subject, name_hint: hint });
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json() as { success: boolean; session_id: string; user_name: string };
    expect(body.user_name).toBe(hint.replace(' ', '_'));
    const again = (await signin({ provider: 'test', subject, name_hint: 'other' })).json() as { user_name: string; session_id: string };
    expect(again.user_name).toBe(body.user_name);
    expect(again.session_id).not.toBe(body.session_id);
    const session = await t.app.inject({ method: 'GET', url: '/session', headers: { 'x-session-id': again.session_id } });
    expect(session.json().user_name).toBe(body.user_name);
    // No password signs in to it.
    const pwd = await t.app.inject({ method: 'POST', url: `/user/${encodeURIComponent(body.user_name)}`, payload: { user_name: body.user_name, pwd: 'anything' } });
    expectError(pwd, 401, '002');
  });

  it('a taken name gets a suffix; the same subject at another provider is another account', async () => {
    const taken = await signUp(t.app, uniqueName('taken'));
    const res = (await signin({ provider: 'test', subject: sub(), name_hint: taken.name })).json() as { user_name: string };
    expect(res.user_name).toMatch(new RegExp(`^${taken.name}_\\d+$`));
    const subject = sub();
    const a = (await signin({ provider: 'one', subject })).json() as { user_name: string };
    const b = (await signin({ provider: 'two', subject })).json() as { user_name: string };
    expect(a.user_name).not.toBe(b.user_name);
  });

  it('parallel first sign-ins of one identity make one account', async () => {
    const subject = sub();
    const answers = await Promise.all([1, 2, 3, 4].map(() => signin({ provider: 'test', subject, name_hint: 'racer' })));
    const names = new Set(answers.map((r) => (r.json() as { user_name: string }).user_name));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(names.size).toBe(1);
  });

  it('a banned account is 403 with the reason; a deleted one never matches', async () => {
    const subject = sub();
    const { user_name } = (await signin({ provider: 'test', subject })).json() as { user_name: string };
    await t.db.kysely.updateTable('users').set({ banned_at: Date.now(), ban_reason: 'spam' }).where('user_name', '=', user_name).execute();
    const banned = await signin({ provider: 'test', subject });
    expectError(banned, 403, '005');
    expect(banned.json().error).toContain('spam');
    await t.db.kysely.updateTable('users').set({ banned_at: null, deleted_at: Date.now() }).where('user_name', '=', user_name).execute();
    const fresh = await signin({ provider: 'test', subject });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json().user_name).not.toBe(user_name);
  });

  describe('link, list, unlink', () => {
    it('links to the signed-in account; the identity then signs in to it', async () => {
      const me = await signUp(t.app, uniqueName('linker'));
      const subject = sub();
      expect((await link(me.sid, { provider: 'test', subject })).statusCode).toBe(204);
      expect((await link(me.sid, { provider: 'test', subject })).statusCode).toBe(204);
      expect((await signin({ provider: 'test', subject })).json().user_name).toBe(me.name);
      const list = await t.app.inject({ method: 'GET', url: `/user/${me.name}/identities`, headers: { 'x-session-id': me.sid } });
      expect(list.statusCode).toBe(200);
      expect(list.json().identities.map((i: { provider: string }) => i.provider)).toEqual(['test']);
      expect(Date.parse(list.json().identities[0].linked_at)).toBeGreaterThan(0);
    });

    it('409 for an identity linked to another account, and for a second one of the same provider', async () => {
      const other = (await signin({ provider: 'test', subject: 'taken-' + sub() })).json() as { user_name: string };
      const otherSubject = (await t.db.kysely.selectFrom('identities').innerJoin('users', 'users.id', 'identities.user_id').select('subject').where('user_name', '=', other.user_name).executeTakeFirstOrThrow()).subject;
      const me = await signUp(t.app, uniqueName('linker'));
      expectError(await link(me.sid, { provider: 'test', subject: otherSubject }), 409, '007');
      expect((await link(me.sid, { provider: 'test', subject: sub() })).statusCode).toBe(204);
      expectError(await link(me.sid, { provider: 'test', subject: sub() }), 409, '007');
    });

    it('link needs a session (401) as well as the token', async () => {
      expectError(await t.app.inject({ method: 'POST', url: '/internal/identities/link', headers: internal, payload: { provider: 'test', subject: 'x' } }), 401, '002');
    });

    it('another user cannot list or unlink (403); an unknown provider is 404; a bad one 400', async () => {
      const me = await signUp(t.app, uniqueName('owner'));
      const stranger = await signUp(t.app, uniqueName('stranger'));
      const h = { 'x-session-id': stranger.sid };
      expectError(await t.app.inject({ method: 'GET', url: `/user/${me.name}/identities`, headers: h }), 403, '005');
      expectError(await t.app.inject({ method: 'DELETE', url: `/user/${me.name}/identities/test`, headers: h }), 403, '005');
      expectError(await t.app.inject({ method: 'GET', url: `/user/${me.name}/identities` }), 401, '002');
      const mine = { 'x-session-id': me.sid };
      expectError(await t.app.inject({ method: 'DELETE', url: `/user/${me.name}/identities/test`, headers: mine }), 404, '006');
      expectError(await t.app.inject({ method: 'DELETE', url: `/user/${me.name}/identities/BAD..`, headers: mine }), 400, '001');
    });

    it('the last way into an account without a password cannot be unlinked; with another it can', async () => {
      const first = (await signin({ provider: 'one', subject: sub() })).json() as { user_name: string; session_id: string };
      const h = { 'x-session-id': first.session_id };
      expectError(await t.app.inject({ method: 'DELETE', url: `/user/${first.user_name}/identities/one`, headers: h }), 409, '007');
      expect((await link(first.session_id, { provider: 'two', subject: sub() })).statusCode).toBe(204);
      expect((await t.app.inject({ method: 'DELETE', url: `/user/${first.user_name}/identities/one`, headers: h })).statusCode).toBe(204);
      const left = await t.app.inject({ method: 'GET', url: `/user/${first.user_name}/identities`, headers: h });
      expect(left.json().identities.map((i: { provider: string }) => i.provider)).toEqual(['two']);
    });

    it('an account with a password can unlink its only identity', async () => {
      const me = await signUp(t.app, uniqueName('pwd'));
      await link(me.sid, { provider: 'test', subject: sub() });
      expect((await t.app.inject({ method: 'DELETE', url: `/user/${me.name}/identities/test`, headers: { 'x-session-id': me.sid } })).statusCode).toBe(204);
    });
  });
});
