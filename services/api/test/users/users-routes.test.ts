import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(testDialects())('users and sessions on %s', (dialect) => {
  let t: TestApp;
  let alice: { name: string; sid: string; id: number };
  let bob: { name: string; sid: string; id: number };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  describe('POST /user (sign up)', () => {
    it.each([
      ['no body', undefined, 400, '001'],
      ['array body', [], 400, '001'],
      ['missing pwd', { user_name: 'abc' }, 400, '001'],
      ['number name', { user_name: 5, pwd: 'secret1' }, 400, '001'],
      ['empty name', { user_name: '', pwd: 'secret1' }, 400, '001'],
      ['65 chars', { user_name: 'a'.repeat(65), pwd: 'secret1' }, 400, '001'],
      ['space in name', { user_name: 'a b', pwd: 'secret1' }, 400, '001'],
      ['slash in name', { user_name: 'a/b', pwd: 'secret1' }, 400, '001'],
      ['SQL in name', { user_name: "x' or 1=1 --", pwd: 'secret1' }, 400, '001'],
      ['NUL in name', { user_name: 'a\u0000b', pwd: 'secret1' }, 400, '001'],
      ['pwd 5 bytes', { user_name: 'abcdef', pwd: '12345' }, 400, '001'],
      ['pwd 73 bytes', { user_name: 'abcdef', pwd: 'x'.repeat(73) }, 400, '001'],
      ['pwd 25 CJK chars = 75 bytes', { user_name: 'abcdef', pwd: '密'.repeat(25) }, 400, '001'],
      ['NUL in pwd', { user_name: 'abcdef', pwd: 'secret\u0000x' }, 400, '001'],
      ['pwd not a string', { user_name: 'abcdef', pwd: 123456 }, 400, '001'],
    ])('%s -> %i', async (_label, payload, status, code) => {
      const res = await t.app.inject({ method: 'POST', url: '/user', payload: payload as object });
      expectError(res, status, code);
    });

    it('409 when the name is taken', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/user', payload: { user_name: alice.name, pwd: 'another-pwd' } });
      expectError(res, 409, '007');
    });

    it('400 on malformed JSON', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/user', payload: '{"user_name":', headers: { 'content-type': 'application/json' } });
      expectError(res, 400, '001');
    });

    it('201 with a v4 session id; names of any script, NFC-normalized; extra fields ignored', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/user',
        payload: { user_name: '张三.x-1_' + uniqueName(''), pwd: '密码密码', id: 99, is_admin: true },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = res.json();
      expect(body.success).toBe(true);
      expect(body.session_id).toMatch(UUID_V4);

      const decomposed = `Jose\u0301${uniqueName('')}`;
      const made = await t.app.inject({ method: 'POST', url: '/user', payload: { user_name: decomposed, pwd: 'secret1' } });
      expect(made.statusCode, made.body).toBe(201);
      const again = await t.app.inject({ method: 'POST', url: '/user', payload: { user_name: decomposed.normalize('NFC'), pwd: 'secret1' } });
      expectError(again, 409, '007');
    });

    it('a 64-character name in a 4-byte script works end to end (long encoded path)', async () => {
      const name = '𠀀'.repeat(64);
      const u = await signUp(t.app, name);
      expect(u.id).toEqual(expect.any(Number));
      const res = await t.app.inject({ method: 'POST', url: `/user/${encodeURIComponent(name)}`, payload: { user_name: name, pwd: 'secret-pwd' } });
      expect(res.statusCode, res.body).toBe(200);
    });

    it.each([
      ['bad percent-encoding', '/user/%E0%A4%A'],
      ['an over-long parameter', `/user/${'a'.repeat(3000)}`],
    ])('router rejections are 400 001 too: %s', async (_l, url) => {
      expectError(await t.app.inject({ url }), 400, '001');
    });

    it('stores a bcrypt hash at the configured cost, never the password', async () => {
      const row = await t.db.kysely.selectFrom('users').selectAll().where('user_name', '=', alice.name).executeTakeFirstOrThrow();
      expect(row.pwd_hash).toMatch(/^\$2[aby]\$04\$/);
      expect(row.pwd_hash).not.toContain('secret-pwd');
    });

    it('stores the session with expires_at = now + session_ttl_minutes', async () => {
      const before = Date.now();
      const u = await signUp(t.app, uniqueName());
      const row = await t.db.kysely.selectFrom('sessions').selectAll().where('id', '=', u.sid).executeTakeFirstOrThrow();
      const ttl = t.config.session_ttl_minutes * 60_000;
      expect(Number(row.expires_at)).toBeGreaterThanOrEqual(before + ttl);
      expect(Number(row.expires_at)).toBeLessThanOrEqual(Date.now() + ttl);
    });

    it('20 parallel sign-ups of one name: exactly one 201, the rest 409', async () => {
      const name = uniqueName('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => t.app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd: 'secret1' } })),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      const rows = await t.db.kysely.selectFrom('users').select('id').where('user_name', '=', name).execute();
      expect(rows).toHaveLength(1);
    });
  });

  describe('POST /user/:username (sign in)', () => {
    it.each([
      ['body name differs from path', (n: string) => ({ user_name: `${n}x`, pwd: 'secret-pwd' }), 400, '001'],
      ['missing pwd', (n: string) => ({ user_name: n }), 400, '001'],
      ['pwd too short', (n: string) => ({ user_name: n, pwd: 'abc' }), 400, '001'],
      ['wrong pwd', (n: string) => ({ user_name: n, pwd: 'wrong-pwd' }), 401, '002'],
    ])('%s -> %i', async (_label, body, status, code) => {
      const res = await t.app.inject({ method: 'POST', url: `/user/${alice.name}`, payload: body(alice.name) });
      expectError(res, status, code);
    });

    it('unknown user and wrong password say the same thing', async () => {
      const wrong = await t.app.inject({ method: 'POST', url: `/user/${alice.name}`, payload: { user_name: alice.name, pwd: 'wrong-pwd' } });
      const ghost = await t.app.inject({ method: 'POST', url: '/user/ghost_user', payload: { user_name: 'ghost_user', pwd: 'wrong-pwd' } });
      expectError(ghost, 401, '002');
      expect(ghost.json()).toEqual(wrong.json());
    });

    it('200 with a new, working session', async () => {
      const res = await t.app.inject({ method: 'POST', url: `/user/${alice.name}`, payload: { user_name: alice.name, pwd: 'secret-pwd' } });
      expect(res.statusCode, res.body).toBe(200);
      const { success, session_id } = res.json();
      expect(success).toBe(true);
      expect(session_id).toMatch(UUID_V4);
      expect(session_id).not.toBe(alice.sid);
      const me = await t.app.inject({ url: `/user/${alice.name}`, headers: { 'x-session-id': session_id } });
      expect(me.json()).toEqual({ id: alice.id, user_name: alice.name, email: null, email_verified: false, role: 'user' });
    });
  });

  describe('GET /user/:username', () => {
    it.each([
      ['no session', () => ({}), () => alice.name, 401, '002'],
      ['malformed session', () => ({ 'x-session-id': 'nope' }), () => alice.name, 401, '002'],
      ['unknown session', () => ({ 'x-session-id': '00000000-0000-4000-8000-000000000000' }), () => alice.name, 401, '002'],
      ["another user's name", () => ({ 'x-session-id': bob.sid }), () => alice.name, 403, '005'],
      ['a name that does not exist', () => ({ 'x-session-id': bob.sid }), () => 'nobody_here', 403, '005'],
      ['an invalid name', () => ({ 'x-session-id': bob.sid }), () => '..%2F..%2Fetc', 403, '005'],
    ])('%s -> %i', async (_label, headers, name, status, code) => {
      const res = await t.app.inject({ url: `/user/${name()}`, headers: headers() });
      expectError(res, status, code);
    });

    it('200 {id, user_name}, by header or by the web session cookie', async () => {
      const res = await t.app.inject({ url: `/user/${alice.name}`, headers: { 'x-session-id': alice.sid } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: alice.id, user_name: alice.name, email: null, email_verified: false, role: 'user' });
      expect(typeof res.json().id).toBe('number');
      const byCookie = await t.app.inject({ url: `/user/${alice.name}`, headers: { cookie: `session=${alice.sid}` } });
      expect(byCookie.statusCode).toBe(200);
    });

    it('401 once the session has expired', async () => {
      const u = await signUp(t.app, uniqueName());
      await t.db.kysely.updateTable('sessions').set({ expires_at: Date.now() - 1 }).where('id', '=', u.sid).execute();
      expectError(await t.app.inject({ url: `/user/${u.name}`, headers: { 'x-session-id': u.sid } }), 401, '002');
    });
  });

  describe('DELETE /user/:username (sign out)', () => {
    it.each([
      ['no session', () => ({}), 401, '002'],
      ["another user's session", () => ({ 'x-session-id': bob.sid }), 403, '005'],
    ])('%s -> %i', async (_label, headers, status, code) => {
      expectError(await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}`, headers: headers() }), status, code);
    });

    it('204 and the session is dead', async () => {
      const u = await signUp(t.app, uniqueName());
      const res = await t.app.inject({ method: 'DELETE', url: `/user/${u.name}`, headers: { 'x-session-id': u.sid } });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectError(await t.app.inject({ url: `/user/${u.name}`, headers: { 'x-session-id': u.sid } }), 401, '002');
    });
  });

  describe('GET and DELETE /session', () => {
    it.each([
      ['GET', {}],
      ['GET', { 'x-session-id': 'garbage' }],
      ['DELETE', {}],
    ] as const)('%s without a usable session -> 401', async (method, headers) => {
      expectError(await t.app.inject({ method, url: '/session', headers }), 401, '002');
    });

    it('GET gives the user and expiry; DELETE signs out by session alone and is idempotent', async () => {
      const u = await signUp(t.app, uniqueName());
      const res = await t.app.inject({ url: '/session', headers: { cookie: `session=${u.sid}` } });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ id: u.id, user_name: u.name });
      expect(new Date(body.expires_at).toISOString()).toBe(body.expires_at);
      expect(await t.app.inject({ method: 'DELETE', url: '/session', headers: { 'x-session-id': u.sid } })).toMatchObject({ statusCode: 204 });
      expectError(await t.app.inject({ url: '/session', headers: { 'x-session-id': u.sid } }), 401, '002');
      expect(await t.app.inject({ method: 'DELETE', url: '/session', headers: { 'x-session-id': u.sid } })).toMatchObject({ statusCode: 204 });
    });
  });
});

describe.each(testDialects())('sign-in and sign-up rate limits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { signin_rate_limit: 3 });
  });
  afterAll(async () => t?.close());

  it('sign-in: the 4th attempt on one name in 5 minutes is 429 008 with Retry-After; other names still work', async () => {
    const attempt = (name: string) =>
      t.app.inject({ method: 'POST', url: `/user/${name}`, payload: { user_name: name, pwd: 'wrong-pwd' } });
    for (let i = 0; i < 3; i++) expectError(await attempt('victim'), 401, '002');
    const limited = await attempt('victim');
    expectError(limited, 429, '008');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expectError(await attempt('someone_else'), 401, '002');
  });

  it('sign-in: one address spraying many names is capped at ten times the per-name limit', async () => {
    const from = { 'x-forwarded-for': '198.51.100.9' };
    for (let i = 0; i < 30; i++) {
      const name = `spray${i}`;
      const res = await t.app.inject({ method: 'POST', url: `/user/${name}`, payload: { user_name: name, pwd: 'wrong-pwd' }, headers: from });
      expectError(res, 401, '002');
    }
    const res = await t.app.inject({ method: 'POST', url: '/user/spray_last', payload: { user_name: 'spray_last', pwd: 'wrong-pwd' }, headers: from });
    expectError(res, 429, '008');
  });

  it('X-Forwarded-For from a peer that is not loopback is not trusted', async () => {
    const attempt = (ip: string) =>
      t.app.inject({
        method: 'POST',
        url: '/user',
        payload: { user_name: uniqueName(), pwd: 'secret1' },
        headers: { 'x-forwarded-for': ip },
        remoteAddress: '192.0.2.50',
      });
    for (let i = 0; i < 3; i++) expect((await attempt(`203.0.113.${100 + i}`)).statusCode).toBe(201);
    // Three different claimed addresses, one real peer: the fourth is over the peer's limit.
    expectError(await attempt('203.0.113.200'), 429, '008');
  });

  it('sign-up: per client address, honouring X-Forwarded-For from the loopback proxy', async () => {
    const signup = (ip: string) =>
      t.app.inject({ method: 'POST', url: '/user', payload: { user_name: uniqueName(), pwd: 'secret1' }, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i++) expect((await signup('203.0.113.7')).statusCode).toBe(201);
    const limited = await signup('203.0.113.7');
    expectError(limited, 429, '008');
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await signup('203.0.113.8')).statusCode).toBe(201);
  });
});
