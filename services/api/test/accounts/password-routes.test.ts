import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { hashToken } from '../../src/accounts/mail-tokens-repository.js';
import { expectError, signUp, uniqueName } from '../helper.js';
import { auth, mailsTo, me, setEmail, settle, startKit, uniqueEmail, userUrl, verifiedUser, type Kit } from './accounts-kit.js';
import { bodyOf, subjectOf, tokenIn } from './smtp-capture.js';

const signIn = (kit: Kit, name: string, pwd: string) => kit.t.app.inject({ method: 'POST', url: userUrl(name), payload: { user_name: name, pwd } });
const sessionOf = async (kit: Kit, name: string, pwd: string) => (await signIn(kit, name, pwd)).json().session_id as string;
const alive = async (kit: Kit, sid: string) => (await kit.t.app.inject({ method: 'GET', url: '/session', headers: auth(sid) })).statusCode === 200;

async function refreshToken(kit: Kit, userId: number) {
  const hash = `rt-${uniqueName('')}`;
  await kit.t.db.kysely
    .insertInto('refresh_tokens')
    .values({ token_hash: hash, family_id: hash, user_id: userId, create_time: Date.now(), expires_at: Date.now() + 60_000, used_at: null, revoked_at: null })
    .execute();
  return async () => (await kit.t.db.kysely.selectFrom('refresh_tokens').select('revoked_at').where('token_hash', '=', hash).executeTakeFirstOrThrow()).revoked_at;
}

describe.each(testDialects())('passwords on %s', (dialect) => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await startKit(dialect);
  });
  afterAll(async () => kit?.close());
  const reset = (payload: unknown, remoteAddress = '198.51.100.1') =>
    kit.t.app.inject({ method: 'POST', url: '/password-reset', remoteAddress, payload: payload as object });

  describe('POST /password-reset', () => {
    it.each([
      ['no body', undefined],
      ['both fields', { user_name: 'abc', email: 'a@b.de' }],
      ['neither', {}],
      ['bad name', { user_name: 'a b' }],
      ['bad email', { email: 'nope' }],
    ])('400 001 for %s', async (_l, payload) => {
      expectError(await reset(payload), 400, '001');
    });

    it('202 with one body for a verified account, an unverified one and nobody; only the verified address gets mail', async () => {
      const v = await verifiedUser(kit);
      const u = await signUp(kit.t.app);
      const unverified = uniqueEmail('unv');
      await setEmail(kit.t.app, u, unverified);
      await mailsTo(kit.smtp, unverified);
      const answers = await Promise.all([
        reset({ user_name: v.name }),
        reset({ email: v.email.toUpperCase() }),
        reset({ user_name: u.name }),
        reset({ email: unverified }),
        reset({ user_name: uniqueName('nobody') }),
        reset({ email: uniqueEmail('nobody') }),
      ]);
      for (const a of answers) {
        expect(a.statusCode).toBe(202);
        expect(a.body).toBe(answers[0]!.body);
      }
      const mails = await mailsTo(kit.smtp, v.email, 3);
      expect(subjectOf(mails[1]!.raw)).toBe('Reset your password');
      expect(bodyOf(mails[1]!.raw)).toContain('https://video.example/reset-password/');
      await settle();
      expect(kit.smtp.to(unverified)).toHaveLength(1);
    });

    it('a slow mail server does not slow the answer for an existing account (no timing tell)', async () => {
      const v = await verifiedUser(kit);
      const timed = async (payload: object, remoteAddress: string) => {
        const start = Date.now();
        expect((await reset(payload, remoteAddress)).statusCode).toBe(202);
        return Date.now() - start;
      };
      kit.smtp.setDelay(1500);
      try {
        const known = await timed({ user_name: v.name }, '198.51.100.20');
        const unknown = await timed({ user_name: uniqueName('ghost') }, '198.51.100.21');
        expect(known).toBeLessThan(1000);
        expect(Math.abs(known - unknown)).toBeLessThan(500);
      } finally {
        kit.smtp.setDelay(0);
      }
      await mailsTo(kit.smtp, v.email, 2);
    });

    it('429 008 past 5 requests for one target an hour (also for names without an account), and past 20 per address', async () => {
      const ghost = uniqueName('g');
      for (let i = 0; i < 5; i += 1) expect((await reset({ user_name: ghost }, `192.0.2.${i + 1}`)).statusCode).toBe(202);
      const res = await reset({ user_name: ghost }, '192.0.2.99');
      expectError(res, 429, '008');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      for (let i = 0; i < 20; i += 1) expect((await reset({ user_name: uniqueName('p') }, '192.0.2.200')).statusCode).toBe(202);
      expectError(await reset({ user_name: uniqueName('p') }, '192.0.2.200'), 429, '008');
    });
  });

  describe('POST /password-reset/:token', () => {
    it('sets the password once; every session and refresh token dies; the old password fails', async () => {
      const v = await verifiedUser(kit);
      const other = await sessionOf(kit, v.name, v.pwd);
      const revoked = await refreshToken(kit, v.id);
      await reset({ user_name: v.name });
      const [, mail] = await mailsTo(kit.smtp, v.email, 2);
      const token = tokenIn(mail!.raw, '/reset-password/');
      const row = await kit.t.db.kysely.selectFrom('mail_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
      expect(Number(row.expires_at) - Number(row.create_time)).toBe(3_600_000);
      const url = `/password-reset/${token}`;
      expectError(await kit.t.app.inject({ method: 'POST', url, payload: { pwd: '12345' } }), 400, '001');
      const [a, b] = await Promise.all([
        kit.t.app.inject({ method: 'POST', url, payload: { pwd: 'brand-new-pwd' } }),
        kit.t.app.inject({ method: 'POST', url, payload: { pwd: 'racing-pwd-2' } }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([204, 400]);
      const winner = a.statusCode === 204 ? 'brand-new-pwd' : 'racing-pwd-2';
      expect(await alive(kit, v.sid)).toBe(false);
      expect(await alive(kit, other)).toBe(false);
      expect(await revoked()).not.toBeNull();
      expectError(await signIn(kit, v.name, v.pwd), 401, '002');
      expect((await signIn(kit, v.name, winner)).statusCode).toBe(200);
      expectError(await kit.t.app.inject({ method: 'POST', url, payload: { pwd: 'third-pwd-3' } }), 400, '001');
    });

    it('forged, expired, and a link for an address the account no longer has: 400 001', async () => {
      expectError(await kit.t.app.inject({ method: 'POST', url: `/password-reset/${'C'.repeat(43)}`, payload: { pwd: 'brand-new-pwd' } }), 400, '001');
      expectError(await kit.t.app.inject({ method: 'POST', url: '/password-reset/short', payload: { pwd: 'brand-new-pwd' } }), 400, '001');
      const v = await verifiedUser(kit);
      await reset({ user_name: v.name });
      await reset({ user_name: v.name });
      const [, first, second] = await mailsTo(kit.smtp, v.email, 3);
      const expired = tokenIn(first!.raw, '/reset-password/');
      await kit.t.db.kysely.updateTable('mail_tokens').set({ expires_at: Date.now() - 1 }).where('token_hash', '=', hashToken(expired)).execute();
      expectError(await kit.t.app.inject({ method: 'POST', url: `/password-reset/${expired}`, payload: { pwd: 'brand-new-pwd' } }), 400, '001');
      await setEmail(kit.t.app, v, uniqueEmail('moved'));
      const stale = tokenIn(second!.raw, '/reset-password/');
      expectError(await kit.t.app.inject({ method: 'POST', url: `/password-reset/${stale}`, payload: { pwd: 'brand-new-pwd' } }), 400, '001');
      expect((await signIn(kit, v.name, v.pwd)).statusCode).toBe(200);
    });
  });

  describe('PUT /user/:me/password', () => {
    const put = (user: { name: string; sid: string }, payload: unknown, remoteAddress?: string) =>
      kit.t.app.inject({ method: 'PUT', url: userUrl(user.name, '/password'), headers: auth(user.sid), payload: payload as object, ...(remoteAddress ? { remoteAddress } : {}) });

    it.each([
      ['no body', undefined, 400, '001'],
      ['no old_pwd', { pwd: 'new-secret' }, 400, '001'],
      ['short new pwd', { old_pwd: 'secret-pwd', pwd: '12345' }, 400, '001'],
      ['NUL in new pwd', { old_pwd: 'secret-pwd', pwd: 'new\u0000secret' }, 400, '001'],
      ['wrong old_pwd', { old_pwd: 'not-my-pwd', pwd: 'new-secret' }, 401, '002'],
    ])('%s -> %i', async (_l, payload, status, code) => {
      const u = await signUp(kit.t.app);
      expectError(await put(u, payload), status, code);
      expect((await signIn(kit, u.name, 'secret-pwd')).statusCode).toBe(200);
    });

    it('401 without a session, 403 for another user', async () => {
      const u = await signUp(kit.t.app);
      const v = await signUp(kit.t.app);
      expectError(await kit.t.app.inject({ method: 'PUT', url: userUrl(u.name, '/password'), payload: { old_pwd: 'secret-pwd', pwd: 'x-secret' } }), 401, '002');
      expectError(await put({ name: u.name, sid: v.sid }, { old_pwd: 'secret-pwd', pwd: 'x-secret' }), 403, '005');
    });

    it('204: this session lives, every other session and every refresh token dies', async () => {
      const u = await signUp(kit.t.app);
      const laptop = await sessionOf(kit, u.name, 'secret-pwd');
      const revoked = await refreshToken(kit, u.id);
      const bystander = await signUp(kit.t.app);
      expect((await put(u, { old_pwd: 'secret-pwd', pwd: 'changed-pwd' })).statusCode).toBe(204);
      expect(await alive(kit, u.sid)).toBe(true);
      expect(await alive(kit, laptop)).toBe(false);
      expect(await alive(kit, bystander.sid)).toBe(true);
      expect(await revoked()).not.toBeNull();
      expectError(await signIn(kit, u.name, 'secret-pwd'), 401, '002');
      expect((await signIn(kit, u.name, 'changed-pwd')).statusCode).toBe(200);
    });

    it('429 008 after 10 wrong old passwords, even for the right one then', async () => {
      const u = await signUp(kit.t.app);
      for (let i = 0; i < 10; i += 1) expectError(await put(u, { old_pwd: `wrong-${i}-pwd`, pwd: 'new-secret' }, `10.9.0.${i + 1}`), 401, '002');
      const res = await put(u, { old_pwd: 'secret-pwd', pwd: 'new-secret' });
      expectError(res, 429, '008');
      expect(res.headers['retry-after']).toBeDefined();
    });
  });

  describe('DELETE /user/:me/sessions', () => {
    it('204: every session, this one too, and every refresh token die; other users keep theirs', async () => {
      const u = await signUp(kit.t.app);
      const phone = await sessionOf(kit, u.name, 'secret-pwd');
      const revoked = await refreshToken(kit, u.id);
      const bystander = await signUp(kit.t.app);
      expectError(await kit.t.app.inject({ method: 'DELETE', url: userUrl(u.name, '/sessions'), headers: auth(bystander.sid) }), 403, '005');
      expectError(await kit.t.app.inject({ method: 'DELETE', url: userUrl(u.name, '/sessions') }), 401, '002');
      const res = await kit.t.app.inject({ method: 'DELETE', url: userUrl(u.name, '/sessions'), headers: auth(u.sid) });
      expect(res.statusCode).toBe(204);
      expect(await alive(kit, u.sid)).toBe(false);
      expect(await alive(kit, phone)).toBe(false);
      expect(await alive(kit, bystander.sid)).toBe(true);
      expect(await revoked()).not.toBeNull();
      expect((await me(kit.t.app, u)).statusCode).toBe(401);
    });

    it('429 008 past 20 an hour', async () => {
      const u = await signUp(kit.t.app);
      for (let i = 0; i < 20; i += 1) {
        const sid = await sessionOf(kit, u.name, 'secret-pwd');
        expect((await kit.t.app.inject({ method: 'DELETE', url: userUrl(u.name, '/sessions'), headers: auth(sid) })).statusCode).toBe(204);
      }
      const sid = await sessionOf(kit, u.name, 'secret-pwd');
      expectError(await kit.t.app.inject({ method: 'DELETE', url: userUrl(u.name, '/sessions'), headers: auth(sid) }), 429, '008');
    });
  });
});
