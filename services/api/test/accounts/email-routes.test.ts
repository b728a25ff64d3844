import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/accounts/mail-tokens-repository.js';
import { testDialects } from '@video/shared/testing';
import { expectError, signUp, uniqueName } from '../helper.js';
import { auth, mailsTo, me, setEmail, settle, startKit, uniqueEmail, userUrl, type Kit } from './accounts-kit.js';
import { bodyOf, subjectOf, tokenIn } from './smtp-capture.js';

const verifyWith = (kit: Kit, token: unknown) => kit.t.app.inject({ method: 'POST', url: '/email-verification', payload: { token } });

describe.each(testDialects())('email on accounts on %s', (dialect) => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await startKit(dialect);
  });
  afterAll(async () => kit?.close());

  describe('sign-up with an email', () => {
    it('lower-cases the address, leaves it unverified and mails a 24 h link over authenticated SMTP', async () => {
      const name = uniqueName('su');
      const email = uniqueEmail('Su');
      const res = await kit.t.app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd: 'secret-pwd', email: `  ${email.toUpperCase()} ` } });
      expect(res.statusCode, res.body).toBe(201);
      const sid = res.json().session_id as string;
      const account = (await me(kit.t.app, { name, sid })).json();
      expect(account).toMatchObject({ user_name: name, email, email_verified: false, role: 'user' });
      const [mail] = await mailsTo(kit.smtp, email);
      expect(mail!.user).toBe('mailer');
      expect(mail!.from).toBe('no-reply@localhost');
      expect(subjectOf(mail!.raw)).toBe('Confirm your email address');
      expect(bodyOf(mail!.raw)).toContain('https://video.example/verify-email?token=');
      const row = await kit.t.db.kysely.selectFrom('mail_tokens').selectAll().where('user_id', '=', account.id).executeTakeFirstOrThrow();
      expect(Number(row.expires_at) - Number(row.create_time)).toBe(24 * 3_600_000);
      // Only the hash is stored.
      const token = tokenIn(mail!.raw, '/verify-email?token=');
      expect(row.token_hash).toBe(hashToken(token));
      expect(row.token_hash).not.toContain(token);
    });

    it.each([
      ['no @', 'plain'],
      ['two @', 'a@b@c.de'],
      ['no dot in domain', 'a@localhost'],
      ['space', 'a b@c.de'],
      ['255 characters', `${'a'.repeat(60)}@${'b'.repeat(190)}.test`],
      ['not a string', 5],
      ['header injection', 'a@b.de\r\nBcc: x@y.de'],
    ])('400 for a bad email (%s), and no account is made', async (_label, email) => {
      const name = uniqueName('bad');
      const res = await kit.t.app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd: 'secret-pwd', email } });
      expectError(res, 400, '001');
      const signIn = await kit.t.app.inject({ method: 'POST', url: userUrl(name), payload: { user_name: name, pwd: 'secret-pwd' } });
      expectError(signIn, 401, '002');
    });

    it('an address another account holds: the sign-up answers alike, the address is not attached, its owner is told', async () => {
      const first = await signUp(kit.t.app);
      const email = uniqueEmail('taken');
      expect((await setEmail(kit.t.app, first, email)).statusCode).toBe(200);
      await mailsTo(kit.smtp, email, 1);
      const name = uniqueName('second');
      const res = await kit.t.app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd: 'secret-pwd', email } });
      expect(res.statusCode).toBe(201);
      expect(Object.keys(res.json()).sort()).toEqual(['session_id', 'success']);
      expect((await me(kit.t.app, { name, sid: res.json().session_id })).json().email).toBeNull();
      const mails = await mailsTo(kit.smtp, email, 2);
      expect(subjectOf(mails[1]!.raw)).toBe('Someone tried to sign up with your address');
      expect((await me(kit.t.app, first)).json().email).toBe(email);
    });
  });

  describe('PATCH /user/:me', () => {
    it.each([
      ['no body', undefined, 400, '001'],
      ['no email', {}, 400, '001'],
      ['bad email', { email: 'nope' }, 400, '001'],
      ['email null', { email: null }, 400, '001'],
    ])('%s -> %i', async (_l, payload, status, code) => {
      const u = await signUp(kit.t.app);
      const res = await kit.t.app.inject({ method: 'PATCH', url: userUrl(u.name), headers: auth(u.sid), payload: payload as object });
      expectError(res, status, code);
    });

    it('401 without a session, 403 for another user (before the body is read)', async () => {
      const u = await signUp(kit.t.app);
      const v = await signUp(kit.t.app);
      expectError(await kit.t.app.inject({ method: 'PATCH', url: userUrl(u.name), payload: { email: uniqueEmail() } }), 401, '002');
      expectError(await kit.t.app.inject({ method: 'PATCH', url: userUrl(u.name), headers: auth(v.sid), payload: 'junk' }), 403, '005');
    });

    it('200 with the GET /user/:me object; a changed address is unverified again and its old link is dead', async () => {
      const u = await signUp(kit.t.app);
      const a = uniqueEmail('a');
      const res = await setEmail(kit.t.app, u, a);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual((await me(kit.t.app, u)).json());
      const tokenA = tokenIn((await mailsTo(kit.smtp, a))[0]!.raw, '/verify-email?token=');
      expect((await verifyWith(kit, tokenA)).statusCode).toBe(204);
      expect((await me(kit.t.app, u)).json().email_verified).toBe(true);

      // Same address again: nothing changes, no mail.
      expect((await setEmail(kit.t.app, u, a.toUpperCase())).json()).toMatchObject({ email: a, email_verified: true });

      const b = uniqueEmail('b');
      expect((await setEmail(kit.t.app, u, b)).json()).toMatchObject({ email: b, email_verified: false });
      const tokenB = tokenIn((await mailsTo(kit.smtp, b))[0]!.raw, '/verify-email?token=');
      // Back to a: b's link must not verify a.
      expect((await setEmail(kit.t.app, u, a)).json()).toMatchObject({ email: a, email_verified: false });
      expectError(await verifyWith(kit, tokenB), 400, '001');
      expect((await me(kit.t.app, u)).json().email_verified).toBe(false);
    });

    it('409 when another account holds the address (signed-in only, rate-limited)', async () => {
      const u = await signUp(kit.t.app);
      const v = await signUp(kit.t.app);
      const email = uniqueEmail('held');
      await setEmail(kit.t.app, u, email);
      expectError(await setEmail(kit.t.app, v, email), 409, '007');
      expect((await me(kit.t.app, v)).json().email).toBeNull();
    });

    it('two accounts racing for one free address: one gets it, the other 409', async () => {
      const [u, v] = [await signUp(kit.t.app), await signUp(kit.t.app)];
      const email = uniqueEmail('race');
      const answers = await Promise.all([setEmail(kit.t.app, u, email), setEmail(kit.t.app, v, email)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    });

    it('429 008 past 30 changes an hour from one address, whatever the accounts', async () => {
      const remoteAddress = '203.0.113.50';
      for (let i = 0; i < 3; i += 1) {
        const u = await signUp(kit.t.app);
        for (let j = 0; j < 10; j += 1) {
          const res = await kit.t.app.inject({ method: 'PATCH', url: userUrl(u.name), headers: auth(u.sid), remoteAddress, payload: { email: uniqueEmail('pa') } });
          expect(res.statusCode).toBe(200);
        }
      }
      const w = await signUp(kit.t.app);
      const res = await kit.t.app.inject({ method: 'PATCH', url: userUrl(w.name), headers: auth(w.sid), remoteAddress, payload: { email: uniqueEmail('pa') } });
      expectError(res, 429, '008');
    });

    it('429 008 with Retry-After past 10 changes an hour', async () => {
      const u = await signUp(kit.t.app);
      for (let i = 0; i < 10; i += 1) expect((await setEmail(kit.t.app, u, uniqueEmail('r'))).statusCode).toBe(200);
      const res = await setEmail(kit.t.app, u, uniqueEmail('r'));
      expectError(res, 429, '008');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('POST /user/:me/email/verify (send again)', () => {
    it('400 without an address, 409 when already verified, 401/403 for others', async () => {
      const u = await signUp(kit.t.app);
      const url = userUrl(u.name, '/email/verify');
      expectError(await kit.t.app.inject({ method: 'POST', url, headers: auth(u.sid) }), 400, '001');
      expectError(await kit.t.app.inject({ method: 'POST', url }), 401, '002');
      const v = await signUp(kit.t.app);
      expectError(await kit.t.app.inject({ method: 'POST', url, headers: auth(v.sid) }), 403, '005');
      const email = uniqueEmail();
      await setEmail(kit.t.app, u, email);
      const [first] = await mailsTo(kit.smtp, email);
      const again = await kit.t.app.inject({ method: 'POST', url, headers: auth(u.sid) });
      expect(again.statusCode).toBe(202);
      const mails = await mailsTo(kit.smtp, email, 2);
      // The older link died with the new one.
      expectError(await verifyWith(kit, tokenIn(first!.raw, '/verify-email?token=')), 400, '001');
      expect((await verifyWith(kit, tokenIn(mails[1]!.raw, '/verify-email?token='))).statusCode).toBe(204);
      expectError(await kit.t.app.inject({ method: 'POST', url, headers: auth(u.sid) }), 409, '007');
    });

    it('429 past 5 an hour', async () => {
      const u = await signUp(kit.t.app);
      await setEmail(kit.t.app, u, uniqueEmail());
      const url = userUrl(u.name, '/email/verify');
      for (let i = 0; i < 5; i += 1) expect((await kit.t.app.inject({ method: 'POST', url, headers: auth(u.sid) })).statusCode).toBe(202);
      expectError(await kit.t.app.inject({ method: 'POST', url, headers: auth(u.sid) }), 429, '008');
    });
  });

  describe('POST /email-verification', () => {
    it.each([
      ['no body', undefined],
      ['no token', {}],
      ['short token', { token: 'abc' }],
      ['token with a dot', { token: `${'a'.repeat(42)}.` }],
      ['token not a string', { token: 7 }],
    ])('400 001 for %s', async (_l, payload) => {
      expectError(await kit.t.app.inject({ method: 'POST', url: '/email-verification', payload: payload as object }), 400, '001');
    });

    it('a forged, a reused and an expired token are all 400 001 with the same message', async () => {
      const forged = await verifyWith(kit, 'A'.repeat(43));
      expectError(forged, 400, '001');
      const u = await signUp(kit.t.app);
      const email = uniqueEmail('e');
      await setEmail(kit.t.app, u, email);
      const token = tokenIn((await mailsTo(kit.smtp, email))[0]!.raw, '/verify-email?token=');
      const [once, twice] = await Promise.all([verifyWith(kit, token), verifyWith(kit, token)]);
      expect([once.statusCode, twice.statusCode].sort()).toEqual([204, 400]);
      const reused = await verifyWith(kit, token);
      expectError(reused, 400, '001');
      expect(reused.json().error).toBe(forged.json().error);

      const other = uniqueEmail('x');
      await setEmail(kit.t.app, u, other);
      const late = tokenIn((await mailsTo(kit.smtp, other))[0]!.raw, '/verify-email?token=');
      await kit.t.db.kysely.updateTable('mail_tokens').set({ expires_at: Date.now() - 1 }).where('token_hash', '=', hashToken(late)).execute();
      expectError(await verifyWith(kit, late), 400, '001');
      expect((await me(kit.t.app, u)).json().email_verified).toBe(false);
    });

    it('a reset token is not a verification token', async () => {
      const u = await signUp(kit.t.app);
      const email = uniqueEmail();
      await setEmail(kit.t.app, u, email);
      const verify = tokenIn((await mailsTo(kit.smtp, email))[0]!.raw, '/verify-email?token=');
      expectError(await kit.t.app.inject({ method: 'POST', url: `/password-reset/${verify}`, payload: { pwd: 'another-pwd' } }), 400, '001');
      expect((await verifyWith(kit, verify)).statusCode).toBe(204);
    });

    it('429 008 past 30 attempts per address in 15 minutes', async () => {
      const remoteAddress = '203.0.113.77';
      const hit = () => kit.t.app.inject({ method: 'POST', url: '/email-verification', remoteAddress, payload: { token: 'B'.repeat(43) } });
      for (let i = 0; i < 30; i += 1) expect((await hit()).statusCode).toBe(400);
      const res = await hit();
      expectError(res, 429, '008');
      expect(res.headers['retry-after']).toBeDefined();
      await settle();
    });
  });
});
