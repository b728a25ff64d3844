import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '@video/shared/testing';
import { buildApp } from '../../src/app.js';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider.js';
import { startUpstream, type Upstream } from '../helper.js';
import { CookieClient } from './browser-client.js';

// The web's side of the callback when the api says no (a banned account) or is not there at all.
describe('the single sign-on callback against an api that refuses or is down', () => {
  let idp: TestOidcProvider;
  let api: Upstream;
  let web: FastifyInstance;
  let webUrl = '';
  const seen: { token: unknown; body: unknown }[] = [];

  beforeAll(async () => {
    idp = await startOidcProvider();
    api = await startUpstream((app) => {
      app.get('/session', async (_req, reply) => reply.code(401).send({ error: 'no session', error_code: '002' }));
      app.post('/internal/identities/signin', async (req, reply) => {
        seen.push({ token: req.headers['x-internal-token'], body: req.body });
        return reply.code(403).send({ error: 'this account is banned: spam', error_code: '005' });
      });
    });
    const config = testConfig({
      api_url: api.url,
      internal_token: 'cb-token',
      oidc_providers: [{ id: 'test', name: 'Test', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret }],
    });
    web = await buildApp(config, { logger: false });
    await web.listen({ port: 0, host: '127.0.0.1' });
    webUrl = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await web?.close();
    await api?.close().catch(() => undefined);
    await idp?.close();
  });

  async function callback(c: CookieClient): Promise<Response> {
    const begin = await c.get(`${webUrl}/auth/test`);
    const back = await c.get((await c.get(begin.headers.get('location')!)).headers.get('location')!);
    return back;
  }

  it('a banned account: the error page with the reason (403), no session; the api got the token and the verified subject', async () => {
    idp.user = { sub: 'banned-sub', preferred_username: 'mallory', email: 'm@example.com' };
    const c = new CookieClient();
    const res = await callback(c);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('this account is banned: spam');
    expect(c.jar.has('session')).toBe(false);
    expect(seen.at(-1)).toEqual({ token: 'cb-token', body: { provider: 'test', subject: 'banned-sub', name_hint: 'mallory' } });
  });

  it('the api down after the provider answered: the 503 page, no session', async () => {
    await api.close();
    const c = new CookieClient();
    const res = await callback(c);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('class="error-page');
    expect(c.jar.has('session')).toBe(false);
  });
});
