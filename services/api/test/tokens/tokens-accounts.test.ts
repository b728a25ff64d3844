import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRefreshToken, markRefreshTokenUsed } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { issueTokens, refresh, whoAmI } from './tokens-helper.js';

describe.each(testDialects())('tokens and the account state on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a ban ends an access token at once; a new one is 403 with the reason; refresh is 401', async () => {
    const user = await signUp(t.app, uniqueName('banned'));
    const pair = await issueTokens(t.app, user.name);
    expect((await whoAmI(t.app, pair.access_token)).statusCode).toBe(200);
    await t.db.kysely.updateTable('users').set({ banned_at: Date.now(), ban_reason: 'spam links' }).where('id', '=', user.id).execute();
    expectError(await whoAmI(t.app, pair.access_token), 401, '002');
    const again = await t.app.inject({ method: 'POST', url: '/tokens', payload: { user_name: user.name, pwd: 'secret-pwd' } });
    expectError(again, 403, '005');
    expect((again.json() as { error: string }).error).toContain('spam links');
    expectError(await refresh(t.app, pair.refresh_token), 401, '002');
  });

  it('a deleted account ends an access token at once, and cannot get tokens', async () => {
    const user = await signUp(t.app, uniqueName('gone'));
    const pair = await issueTokens(t.app, user.name);
    await t.db.kysely.updateTable('users').set({ deleted_at: Date.now() }).where('id', '=', user.id).execute();
    expectError(await whoAmI(t.app, pair.access_token), 401, '002');
    expectError(await t.app.inject({ method: 'POST', url: '/tokens', payload: { user_name: user.name, pwd: 'secret-pwd' } }), 401, '002');
    expectError(await refresh(t.app, pair.refresh_token), 401, '002');
  });

  it('a changed role or name shows at once (the row is read on each use)', async () => {
    const user = await signUp(t.app, uniqueName('mod'));
    const pair = await issueTokens(t.app, user.name);
    await t.db.kysely.updateTable('users').set({ role: 'moderator' }).where('id', '=', user.id).execute();
    expect((await whoAmI(t.app, pair.access_token)).json()).toMatchObject({ role: 'moderator', user_name: user.name });
  });
});

describe.each(testDialects())('token rate limits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { signin_rate_limit: 2 });
  });
  afterAll(async () => t?.close());

  it('failed POST /tokens and failed password sign-ins share one limit', async () => {
    const user = await signUp(t.app, uniqueName('limited'));
    const signIn = await t.app.inject({ method: 'POST', url: `/user/${encodeURIComponent(user.name)}`, payload: { user_name: user.name, pwd: 'wrong-pwd' } });
    expectError(signIn, 401, '002');
    expectError(await t.app.inject({ method: 'POST', url: '/tokens', payload: { user_name: user.name, pwd: 'wrong-pwd' } }), 401, '002');
    const limited = await t.app.inject({ method: 'POST', url: '/tokens', payload: { user_name: user.name, pwd: 'secret-pwd' } });
    expectError(limited, 429, '008');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const other = await signUp(t.app, uniqueName('free'));
    expect((await t.app.inject({ method: 'POST', url: '/tokens', payload: { user_name: other.name, pwd: 'secret-pwd' } })).statusCode).toBe(200);
  });

  it('refreshes are limited per address (6 × signin_rate_limit a minute)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) statuses.push((await refresh(t.app, 'A'.repeat(43))).statusCode);
    expect(statuses.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(statuses[12]).toBe(429);
    const elsewhere = await t.app.inject({ method: 'POST', url: '/tokens/refresh', remoteAddress: '203.0.113.9', payload: { refresh_token: 'A'.repeat(43) } });
    expectError(elsewhere, 401, '002');
  });
});

describe.each(testDialects())('the refresh-token rows on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('of many concurrent marks of one token exactly one changes the row', async () => {
    const user = await signUp(t.app, uniqueName('race'));
    const hash = 'a'.repeat(64);
    await insertRefreshToken(t.db.kysely, { token_hash: hash, family_id: 'fam-race', user_id: user.id, create_time: 1, expires_at: Date.now() + 60_000 });
    const results = await Promise.all(Array.from({ length: 6 }, () => markRefreshTokenUsed(t.db.kysely, hash, Date.now())));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await markRefreshTokenUsed(t.db.kysely, hash, Date.now())).toBe(false);
  });

  it('the OpenAPI description has the token routes and the bearer scheme', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/tokens', '/tokens/refresh', '/tokens/revoke']));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
