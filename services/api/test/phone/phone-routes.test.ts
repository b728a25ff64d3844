import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { startSmsWebhook, type SmsWebhook } from './sms-webhook.js';

let serial = 0;
/** A valid US number no other test uses. */
const freshPhone = () => `+1415555${String((serial += 1) % 10_000).padStart(4, '0')}`;
let addressSerial = 0;
/** A client address of its own, so each test meets only its own per-address limits. */
const freshAddress = () => `10.9.${Math.floor((addressSerial += 1) / 250)}.${addressSerial % 250}`;

describe.each(testDialects())('phone sign-in on %s', (dialect) => {
  let t: TestApp;
  let sms: SmsWebhook;
  let ip = '';

  const post = (url: string, payload: unknown, extra: { sid?: string; ip?: string } = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress: extra.ip ?? ip, headers: extra.sid ? { 'x-session-id': extra.sid } : {} });
  const askCode = (phone: string, from = ip) => post('/phone/code', { phone }, { ip: from });
  const signIn = (phone: string, code: string, from = ip) => post('/phone/signin', { phone, code }, { ip: from });
  const wrong = (code: string) => (code === '000000' ? '000001' : '000000');
  const session = (res: LightMyRequestResponse) => (res.json() as { session_id: string; user_name: string });

  beforeAll(async () => {
    sms = await startSmsWebhook();
    t = await buildTestApp(dialect, { sms_webhook_url: sms.url, internal_token: 'phone-test-key' });
  });
  afterAll(async () => {
    await t?.close();
    await sms?.close();
  });
  beforeEach(() => {
    ip = freshAddress();
    sms.status = 204;
  });

  it.each([
    ['no body', undefined],
    ['a number', { phone: 14155550100 }],
    ['no plus', { phone: '14155550100' }],
    ['spaces', { phone: '+1 415 555 0100' }],
    ['too short', { phone: '+12345' }],
    ['letters', { phone: '+1415555abcd' }],
    ['empty', { phone: '' }],
    ['too long', { phone: '+1'.padEnd(40, '5') }],
    ['a number of no country', { phone: '+99912345678' }],
  ])('POST /phone/code with %s -> 400 001', async (_label, payload) => {
    expectError(await post('/phone/code', payload), 400, '001');
  });

  it.each([
    ['no code', { phone: '+14155550100' }],
    ['5 digits', { phone: '+14155550100', code: '12345' }],
    ['7 digits', { phone: '+14155550100', code: '1234567' }],
    ['letters', { phone: '+14155550100', code: 'abcdef' }],
    ['a numeric code', { phone: '+14155550100', code: 123456 }],
    ['a bad phone', { phone: 'x', code: '123456' }],
  ])('POST /phone/signin with %s -> 400 001', async (_label, payload) => {
    expectError(await post('/phone/signin', payload), 400, '001');
  });

  it('texts a 6-digit code through the webhook; it signs in once, creating an account; the next sign-in finds it', async () => {
    const phone = freshPhone();
    const res = await askCode(phone);
    expect(res.statusCode, res.body).toBe(202);
    const msg = sms.received.at(-1)!;
    expect(msg.to).toBe(phone);
    expect(msg.text).toMatch(/\b\d{6}\b/);
    const code = sms.codeFor(phone);
    const first = await signIn(phone, code);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().success).toBe(true);
    const { session_id, user_name } = session(first);
    expect(user_name).toMatch(/^user(_\d+)?$/);
    expect(user_name).not.toContain(phone.slice(2));
    const me = await t.app.inject({ method: 'GET', url: '/session', headers: { 'x-session-id': session_id } });
    expect(me.json().user_name).toBe(user_name);
    expectError(await signIn(phone, code), 401, '002');
    await askCode(phone);
    const again = await signIn(phone, sms.codeFor(phone));
    expect(session(again).user_name).toBe(user_name);
    // The code is stored hashed.
    const rows = await t.db.kysely.selectFrom('phone_codes').select('code_hash').where('phone', '=', phone).execute();
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.code_hash) && !r.code_hash.includes(code))).toBe(true);
  });

  it('parallel sign-ins with one code: exactly one wins', async () => {
    const phone = freshPhone();
    await askCode(phone);
    const code = sms.codeFor(phone);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => signIn(phone, code)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it('a wrong code is 401 002; the fifth wrong one kills the code', async () => {
    const phone = freshPhone();
    await askCode(phone);
    const code = sms.codeFor(phone);
    for (let i = 0; i < 4; i += 1) expectError(await signIn(phone, wrong(code)), 401, '002');
    expect((await signIn(phone, code)).statusCode).toBe(200);
    await askCode(phone);
    const next = sms.codeFor(phone);
    for (let i = 0; i < 5; i += 1) expectError(await signIn(phone, wrong(next)), 401, '002');
    expectError(await signIn(phone, next), 401, '002');
  });

  it('a new code kills the older one; an expired code is refused; a number with no code is 401', async () => {
    const phone = freshPhone();
    await askCode(phone);
    const old = sms.codeFor(phone);
    await askCode(phone);
    const current = sms.codeFor(phone);
    if (old !== current) expectError(await signIn(phone, old), 401, '002');
    await t.db.kysely.updateTable('phone_codes').set({ expires_at: Date.now() - 1 }).where('phone', '=', phone).execute();
    expectError(await signIn(phone, current), 401, '002');
    expectError(await signIn(freshPhone(), '123456'), 401, '002');
  });

  it('at most 5 codes per number an hour, then 429 008 with Retry-After', async () => {
    const phone = freshPhone();
    for (let i = 0; i < 5; i += 1) expect((await askCode(phone, freshAddress())).statusCode).toBe(202);
    const refused = await askCode(phone, freshAddress());
    expectError(refused, 429, '008');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('at most 30 codes per address an hour', async () => {
    for (let i = 0; i < 30; i += 1) expect((await askCode(freshPhone())).statusCode).toBe(202);
    const refused = await askCode(freshPhone());
    expectError(refused, 429, '008');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('at most 30 sign-in attempts per address an hour, whatever they are', async () => {
    for (let i = 0; i < 30; i += 1) expect((await signIn(freshPhone(), '123456')).statusCode).toBe(401);
    const refused = await signIn(freshPhone(), '123456');
    expectError(refused, 429, '008');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a failing webhook is 503 011 and the code it carried never works', async () => {
    const phone = freshPhone();
    sms.status = 500;
    expectError(await askCode(phone), 503, '011');
    sms.status = 204;
    expectError(await signIn(phone, sms.codeFor(phone)), 401, '002');
  });

  it('a banned account is 403 with the reason; a deleted one frees the number for a new account', async () => {
    const phone = freshPhone();
    await askCode(phone);
    const { user_name } = session(await signIn(phone, sms.codeFor(phone)));
    await t.db.kysely.updateTable('users').set({ banned_at: Date.now(), ban_reason: 'fraud' }).where('user_name', '=', user_name).execute();
    await askCode(phone);
    const banned = await signIn(phone, sms.codeFor(phone));
    expectError(banned, 403, '005');
    expect(banned.json().error).toContain('fraud');
    await t.db.kysely.updateTable('users').set({ deleted_at: Date.now() }).where('user_name', '=', user_name).execute();
    await askCode(phone);
    const fresh = await signIn(phone, sms.codeFor(phone));
    expect(fresh.statusCode).toBe(200);
    expect(session(fresh).user_name).not.toBe(user_name);
  });

  describe('the phone of a signed-in account', () => {
    it('adds a number with a code; only the owner reads it; another account cannot take it', async () => {
      const me = await signUp(t.app, uniqueName('tel'));
      const phone = freshPhone();
      await askCode(phone);
      expectError(await post(`/user/${me.name}/phone`, { phone, code: wrong(sms.codeFor(phone)) }, { sid: me.sid }), 401, '002');
      const added = await post(`/user/${me.name}/phone`, { phone, code: sms.codeFor(phone) }, { sid: me.sid });
      expect(added.statusCode, added.body).toBe(200);
      expect(added.json()).toEqual({ phone });
      const read = await t.app.inject({ method: 'GET', url: `/user/${me.name}/phone`, headers: { 'x-session-id': me.sid } });
      expect(read.json()).toEqual({ phone });
      const other = await signUp(t.app, uniqueName('tel'));
      expectError(await t.app.inject({ method: 'GET', url: `/user/${me.name}/phone`, headers: { 'x-session-id': other.sid } }), 403, '005');
      expectError(await t.app.inject({ method: 'GET', url: `/user/${me.name}/phone` }), 401, '002');
      const profile = await t.app.inject({ method: 'GET', url: `/user/${me.name}/profile` });
      expect(profile.body).not.toContain(phone);
      await askCode(phone);
      const taken = await post(`/user/${other.name}/phone`, { phone, code: sms.codeFor(phone) }, { sid: other.sid });
      expectError(taken, 409, '007');
      expect(taken.json().error).not.toContain(me.name);
      // Phone sign-in now reaches the account it was added to.
      await askCode(phone);
      expect(session(await signIn(phone, sms.codeFor(phone))).user_name).toBe(me.name);
    });

    it('a bad body is 400, another user 403, no session 401', async () => {
      const me = await signUp(t.app, uniqueName('tel'));
      const other = await signUp(t.app, uniqueName('tel'));
      expectError(await post(`/user/${me.name}/phone`, { phone: 'nope', code: '123456' }, { sid: me.sid }), 400, '001');
      expectError(await post(`/user/${me.name}/phone`, { phone: freshPhone() }, { sid: me.sid }), 400, '001');
      expectError(await post(`/user/${me.name}/phone`, { phone: freshPhone(), code: '123456' }, { sid: other.sid }), 403, '005');
      expectError(await post(`/user/${me.name}/phone`, { phone: freshPhone(), code: '123456' }), 401, '002');
    });

    it('removing the number: refused when it is the last way in, done when a password is there', async () => {
      const phone = freshPhone();
      await askCode(phone);
      const phoneOnly = session(await signIn(phone, sms.codeFor(phone)));
      const del = (name: string, sid: string) => t.app.inject({ method: 'DELETE', url: `/user/${name}/phone`, headers: { 'x-session-id': sid } });
      expectError(await del(phoneOnly.user_name, phoneOnly.session_id), 409, '007');
      const me = await signUp(t.app, uniqueName('tel'));
      const mine = freshPhone();
      await askCode(mine);
      await post(`/user/${me.name}/phone`, { phone: mine, code: sms.codeFor(mine) }, { sid: me.sid });
      expect((await del(me.name, me.sid)).statusCode).toBe(204);
      const read = await t.app.inject({ method: 'GET', url: `/user/${me.name}/phone`, headers: { 'x-session-id': me.sid } });
      expect(read.json()).toEqual({ phone: null });
    });
  });
});

describe.each(testDialects())('phone codes with no webhook on %s', (dialect) => {
  it('are logged instead of sent, and still 202', async () => {
    const t = await buildTestApp(dialect, { sms_webhook_url: '' });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/phone/code', payload: { phone: '+14155550199' } });
      expect(res.statusCode, res.body).toBe(202);
    } finally {
      await t.close();
    }
  });
});
