import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, TOKEN_TYPE, tokenKeysFromPem } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { bearer, decodeSegment, encodeSegment, issueTokens, whoAmI } from './tokens-helper.js';

type Claims = Record<string, unknown>;

describe.each(testDialects())('access tokens that must fail on %s', (dialect) => {
  let t: TestApp;
  let user: { name: string; sid: string; id: number };
  let other: { name: string; sid: string; id: number };
  let genuine: string;

  /** A token signed with the app's own key: only the claims or header given differ from a genuine one. */
  const ownSigned = (claims: Claims = {}, header: Claims = {}, key = t.app.tokenKeys.privateKey) => {
    const nowS = Math.floor(Date.now() / 1000);
    return new SignJWT({ name: user.name, sid: 'f', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: TOKEN_TYPE, ...header })
      .setIssuer((claims.iss as string) ?? TOKEN_ISSUER)
      .setAudience((claims.aud as string) ?? TOKEN_AUDIENCE)
      .setSubject((claims.sub as string) ?? String(user.id))
      .setIssuedAt((claims.iat as number) ?? nowS)
      .setExpirationTime((claims.exp as number) ?? nowS + 900)
      .setJti('j-1')
      .sign(key);
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    user = await signUp(t.app, uniqueName('tok'));
    other = await signUp(t.app, uniqueName('tok'));
    genuine = (await issueTokens(t.app, user.name)).access_token;
  });
  afterAll(async () => t?.close());

  it('the test’s own signer makes tokens the api accepts (so the cases below can fail for their own reason)', async () => {
    expect((await whoAmI(t.app, await ownSigned())).statusCode).toBe(200);
    expect((await whoAmI(t.app, genuine)).statusCode).toBe(200);
  });

  it.each<[string, () => Promise<string> | string]>([
    ['alg none, no signature', () => `${encodeSegment({ alg: 'none', typ: TOKEN_TYPE })}.${genuine.split('.')[1]}.`],
    ['alg none with the original signature', () => `${encodeSegment({ alg: 'none', typ: TOKEN_TYPE })}.${genuine.split('.').slice(1).join('.')}`],
    ['HS256 keyed with the public key', async () => {
      const secret = new TextEncoder().encode(t.app.tokenKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      return new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE)
        .setSubject(String(user.id)).setIssuedAt().setExpirationTime('10m').setJti('x').sign(secret);
    }],
    ['signed by a foreign key', () => ownSigned({}, {}, generateKeyPairSync('ed25519').privateKey)],
    ['signed by a foreign P-256 key as ES256', () => {
      const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      return ownSigned({}, { alg: 'ES256' }, tokenKeysFromPem(pem).privateKey);
    }],
    ['an edited payload (another user) with the original signature', () => {
      const [h, p, s] = genuine.split('.');
      return `${h}.${encodeSegment({ ...decodeSegment(p!), sub: String(other.id) })}.${s}`;
    }],
    ['an edited header with the original signature', () => {
      const [h, p, s] = genuine.split('.');
      return `${encodeSegment({ ...decodeSegment(h!), kid: 'other' })}.${p}.${s}`;
    }],
    ['a wrong iss', () => ownSigned({ iss: 'urn:someone:else' })],
    ['a wrong aud', () => ownSigned({ aud: 'urn:video:other' })],
    ['a wrong typ', () => ownSigned({}, { typ: 'JWT' })],
    ['expired', () => ownSigned({ iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 })],
    ['a sub that is no user id', () => ownSigned({ sub: 'admin' })],
    ['a sub of no user', () => ownSigned({ sub: '987654321' })],
    ['garbage', () => 'garbage'],
    ['three empty parts', () => '..'],
    ['empty', () => ''],
    ['5,000 characters', () => 'a'.repeat(5000)],
  ])('%s -> 401 002', async (_label, make) => {
    const token = await make();
    expectError(await whoAmI(t.app, token), 401, '002');
    // The same on a route that also takes visitors, and on "own".
    expectError(await t.app.inject({ method: 'GET', url: `/user/${encodeURIComponent(user.name)}`, headers: bearer(token) }), 401, '002');
  });

  it('"Bearer" with no token is 401; the scheme is case-insensitive', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/session', headers: { authorization: 'Bearer' } }), 401, '002');
    expect((await t.app.inject({ method: 'GET', url: '/session', headers: { authorization: `bearer ${genuine}` } })).statusCode).toBe(200);
  });

  it('a token of an app with another key fails here', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const elsewhere = await buildTestApp(dialect, { jwt_private_key: pem });
    try {
      const foreign = (await issueTokens(elsewhere.app, (await signUp(elsewhere.app, uniqueName('x'))).name)).access_token;
      expectError(await whoAmI(t.app, foreign), 401, '002');
    } finally {
      await elsewhere.close();
    }
  });
});
