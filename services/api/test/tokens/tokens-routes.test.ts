import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAllCredentials, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, createVideo, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { bearer, decodeSegment, issueTokens, refresh, whoAmI } from './tokens-helper.js';

describe.each(testDialects())('tokens for API clients on %s', (dialect) => {
  let t: TestApp;
  let alice: { name: string; sid: string; id: number };
  let bob: { name: string; sid: string; id: number };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  describe('POST /tokens', () => {
    it.each([
      ['no body', undefined, 400, '001'],
      ['missing pwd', { user_name: 'abcdef' }, 400, '001'],
      ['bad name', { user_name: 'a b', pwd: 'secret-pwd' }, 400, '001'],
      ['pwd too short', { user_name: 'abcdef', pwd: '12345' }, 400, '001'],
      ['unknown user', { user_name: 'nobody_here_x', pwd: 'secret-pwd' }, 401, '002'],
    ])('%s -> %i', async (_label, payload, status, code) => {
      const res = await t.app.inject({ method: 'POST', url: '/tokens', payload: payload as object });
      expectError(res, status, code);
    });

    it('a wrong password is 401 002', async () => {
      expectError(await t.app.inject({ method: 'POST', url: '/tokens', payload: { user_name: alice.name, pwd: 'wrong-pwd' } }), 401, '002');
    });

    it('answers a signed access token and an opaque refresh token stored only as its hash', async () => {
      const pair = await issueTokens(t.app, alice.name);
      expect(pair.token_type).toBe('Bearer');
      expect(pair.expires_in).toBe(900);
      expect(pair.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const [header, payload] = pair.access_token.split('.').slice(0, 2).map(decodeSegment);
      expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: t.app.tokenKeys.kid });
      expect(payload).toMatchObject({ sub: String(alice.id), iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, name: alice.name });
      expect(Number(payload.exp) - Number(payload.iat)).toBe(900);
      expect(typeof payload.jti).toBe('string');
      const rows = await t.db.kysely.selectFrom('refresh_tokens').selectAll().where('user_id', '=', alice.id).execute();
      const hash = createHash('sha256').update(pair.refresh_token).digest('hex');
      expect(rows.map((r) => r.token_hash)).toContain(hash);
      expect(JSON.stringify(rows)).not.toContain(pair.refresh_token);
      expect(rows.find((r) => r.token_hash === hash)?.family_id).toBe(payload.sid);
    });
  });

  describe('Authorization: Bearer on the api', () => {
    it('GET /session names the user, the role and the token expiry', async () => {
      const pair = await issueTokens(t.app, alice.name);
      const res = await whoAmI(t.app, pair.access_token);
      expect(res.statusCode, res.body).toBe(200);
      const exp = Number(decodeSegment(pair.access_token.split('.')[1]!).exp);
      expect(res.json()).toEqual({ id: alice.id, user_name: alice.name, role: 'user', expires_at: new Date(exp * 1000).toISOString() });
    });

    it('is "own" for the user and 403 for another user', async () => {
      const pair = await issueTokens(t.app, alice.name);
      const own = await t.app.inject({ method: 'GET', url: `/user/${encodeURIComponent(alice.name)}`, headers: bearer(pair.access_token) });
      expect(own.statusCode, own.body).toBe(200);
      const other = await t.app.inject({ method: 'GET', url: `/user/${encodeURIComponent(bob.name)}`, headers: bearer(pair.access_token) });
      expectError(other, 403, '005');
    });

    it('creates a video and a comment as the token’s user, and sees its own private video', async () => {
      const pair = await issueTokens(t.app, alice.name);
      const created = await t.app.inject({
        method: 'POST',
        url: `/user/${encodeURIComponent(alice.name)}/videos`,
        headers: bearer(pair.access_token),
        payload: { name: 'by token', privacy: 'private' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const video = created.json() as { id: string; author_id: number };
      expect(video.author_id).toBe(alice.id);
      const comment = await t.app.inject({ method: 'POST', url: `/videos/${video.id}/comments`, headers: bearer(pair.access_token), payload: { content: 'hi' } });
      expect(comment.statusCode, comment.body).toBe(201);
      expect((comment.json() as { author_id: number }).author_id).toBe(alice.id);
      const read = await t.app.inject({ method: 'GET', url: `/videos/${video.id}/comments`, headers: bearer(pair.access_token) });
      expect(read.statusCode, read.body).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: `/videos/${video.id}/comments` })).statusCode).toBe(404);
      const bobs = await issueTokens(t.app, bob.name);
      expect((await t.app.inject({ method: 'GET', url: `/videos/${video.id}/comments`, headers: bearer(bobs.access_token) })).statusCode).toBe(404);
    });

    it('a bad token on a public read is 401, not a visitor', async () => {
      const video = await createVideo(t.app, alice);
      expectError(await t.app.inject({ method: 'GET', url: `/videos/${video.id}/comments`, headers: bearer('not-a-token') }), 401, '002');
      expect((await t.app.inject({ method: 'GET', url: `/videos/${video.id}/comments`, headers: { authorization: 'Basic eDp5' } })).statusCode).toBe(200);
    });

    it('X-Session-Id wins over a bearer token sent with it', async () => {
      const bobs = await issueTokens(t.app, bob.name);
      const res = await t.app.inject({ method: 'GET', url: '/session', headers: { ...bearer(bobs.access_token), 'x-session-id': alice.sid } });
      expect((res.json() as { user_name: string }).user_name).toBe(alice.name);
    });
  });

  describe('POST /tokens/refresh', () => {
    it.each([
      ['no body', undefined, 400, '001'],
      ['a number', { refresh_token: 5 }, 400, '001'],
      ['empty', { refresh_token: '' }, 401, '002'],
      ['malformed', { refresh_token: 'not base64url!' }, 401, '002'],
      ['unknown', { refresh_token: 'A'.repeat(43) }, 401, '002'],
      ['an access token', { refresh_token: 'eyJhbGciOiJub25lIn0.e30.' }, 401, '002'],
    ])('%s -> %i', async (_label, payload, status, code) => {
      expectError(await t.app.inject({ method: 'POST', url: '/tokens/refresh', payload: payload as object }), status, code);
    });

    it('rotates: a new pair of the same family; the old refresh token is dead', async () => {
      const first = await issueTokens(t.app, alice.name);
      const res = await refresh(t.app, first.refresh_token);
      expect(res.statusCode, res.body).toBe(200);
      const second = res.json() as typeof first;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      const sid = (token: string) => decodeSegment(token.split('.')[1]!).sid;
      expect(sid(second.access_token)).toBe(sid(first.access_token));
      expect((await whoAmI(t.app, second.access_token)).statusCode).toBe(200);
      const third = await refresh(t.app, second.refresh_token);
      expect(third.statusCode, third.body).toBe(200);
    });

    it('a used token presented again kills the whole family, the newest token too', async () => {
      const first = await issueTokens(t.app, alice.name);
      const second = (await refresh(t.app, first.refresh_token)).json() as typeof first;
      const third = (await refresh(t.app, second.refresh_token)).json() as typeof first;
      expectError(await refresh(t.app, first.refresh_token), 401, '002');
      expectError(await refresh(t.app, third.refresh_token), 401, '002');
      const other = await issueTokens(t.app, alice.name);
      expect((await refresh(t.app, other.refresh_token)).statusCode).toBe(200);
    });

    it('two refreshes of one token at once: one wins, the other is reuse and ends the family', async () => {
      const pair = await issueTokens(t.app, alice.name);
      const answers = await Promise.all([refresh(t.app, pair.refresh_token), refresh(t.app, pair.refresh_token)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401]);
      const winner = answers.find((a) => a.statusCode === 200)!.json() as typeof pair;
      expectError(await refresh(t.app, winner.refresh_token), 401, '002');
    });

    it('an expired refresh token is 401 002', async () => {
      const pair = await issueTokens(t.app, alice.name);
      const hash = createHash('sha256').update(pair.refresh_token).digest('hex');
      await t.db.kysely.updateTable('refresh_tokens').set({ expires_at: Date.now() - 1 }).where('token_hash', '=', hash).execute();
      expectError(await refresh(t.app, pair.refresh_token), 401, '002');
    });
  });

  describe('revocation', () => {
    it('revokeAllCredentials ends refresh tokens; the access token lives on until it expires', async () => {
      const pair = await issueTokens(t.app, bob.name);
      await revokeAllCredentials(t.db.kysely, bob.id, Date.now(), { exceptSessionId: bob.sid });
      expectError(await refresh(t.app, pair.refresh_token), 401, '002');
      expect((await whoAmI(t.app, pair.access_token)).statusCode).toBe(200);
    });

    it('POST /tokens/revoke ends the family (204, also for an unknown token)', async () => {
      const pair = await issueTokens(t.app, alice.name);
      const res = await t.app.inject({ method: 'POST', url: '/tokens/revoke', payload: { refresh_token: pair.refresh_token } });
      expect(res.statusCode).toBe(204);
      expectError(await refresh(t.app, pair.refresh_token), 401, '002');
      expect((await t.app.inject({ method: 'POST', url: '/tokens/revoke', payload: { refresh_token: 'zz' } })).statusCode).toBe(204);
    });

    it.each([
      ['DELETE /session', () => '/session'],
      ['DELETE /user/:me', (name: string) => `/user/${encodeURIComponent(name)}`],
    ])('%s with only a bearer token ends its family, not the sessions', async (_label, url) => {
      const pair = await issueTokens(t.app, alice.name);
      const keep = await issueTokens(t.app, alice.name);
      const res = await t.app.inject({ method: 'DELETE', url: url(alice.name), headers: bearer(pair.access_token) });
      expect(res.statusCode, res.body).toBe(204);
      expectError(await refresh(t.app, pair.refresh_token), 401, '002');
      expect((await refresh(t.app, keep.refresh_token)).statusCode).toBe(200);
      expect((await whoAmI(t.app, pair.access_token)).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/session', headers: { 'x-session-id': alice.sid } })).statusCode).toBe(200);
    });

    it('DELETE /session with a bad bearer token is 401', async () => {
      expectError(await t.app.inject({ method: 'DELETE', url: '/session', headers: bearer('garbage') }), 401, '002');
    });
  });
});
