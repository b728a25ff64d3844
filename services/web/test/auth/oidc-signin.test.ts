import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { startStack, type Stack } from '../stack.js';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider.js';
import { CookieClient } from './browser-client.js';

const TOKEN = 'web-internal-token';
let serial = 0;
const fresh = (prefix: string) => `${prefix}${(serial += 1)}${Math.random().toString(36).slice(2, 6)}`;

describe.each(testDialects())('single sign-on through the web on %s', (dialect) => {
  let stack: Stack;
  let idp: TestOidcProvider;
  let late: TestOidcProvider;
  const web = (path: string) => `${stack.webUrl}${path}`;

  beforeAll(async () => {
    idp = await startOidcProvider();
    late = await startOidcProvider({ clientId: 'late-client' });
    late.down = true;
    const provider = (id: string, name: string, p: TestOidcProvider) => ({ id, name, issuer: p.issuer, client_id: p.clientId, client_secret: p.clientSecret });
    stack = await startStack(dialect, { internal_token: TOKEN, oidc_providers: [provider('test', 'Test', idp), provider('late', 'Late', late)] });
  });
  afterAll(async () => {
    await stack?.close();
    await idp?.close();
    await late?.close();
  });
  beforeEach(() => {
    idp.misbehave = {};
    idp.down = false;
    idp.user = { sub: fresh('sub-'), preferred_username: fresh('Ann ') };
  });

  const whoAmI = async (c: CookieClient) => {
    const res = await c.get(web('/api/session'));
    return res.status === 200 ? ((await res.json()) as { user_name: string }).user_name : null;
  };

  /** /auth/test → the provider → the callback URL the provider sends back (not yet opened). */
  async function toCallback(c: CookieClient, start = '/auth/test'): Promise<string> {
    const begin = await c.get(web(start));
    expect(begin.status).toBe(302);
    const authorize = await c.get(begin.headers.get('location')!);
    expect(authorize.status).toBe(302);
    return authorize.headers.get('location')!;
  }

  async function refused(c: CookieClient, res: Response, status = 400) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('class="error-page');
    expect(c.jar.has('session')).toBe(false);
    expect(await whoAmI(c)).toBeNull();
  }

  it('a full sign-in: PKCE S256, state and nonce go out; an account is made; the session works', async () => {
    const c = new CookieClient();
    const begin = await c.get(web('/auth/test'));
    expect(begin.status).toBe(302);
    const to = new URL(begin.headers.get('location')!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    for (const p of ['code_challenge', 'state', 'nonce', 'redirect_uri']) expect(to.searchParams.get(p)).toBeTruthy();
    expect(to.searchParams.get('redirect_uri')).toBe(web('/auth/test/callback'));
    const stateCookie = begin.headers.getSetCookie().find((s) => s.startsWith('oidc_state='))!;
    expect(stateCookie).toMatch(/HttpOnly/i);
    expect(stateCookie).toMatch(/SameSite=Lax/i);
    expect(stateCookie).toMatch(/Max-Age=600/i);
    expect(stateCookie).not.toContain(to.searchParams.get('state')!);
    const back = await c.get((await c.get(to.href)).headers.get('location')!);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/userhome');
    expect(c.jar.has('oidc_state')).toBe(false);
    const name = await whoAmI(c);
    expect(name).toBe(idp.user.preferred_username!.replace(' ', '_'));
    // The second sign-in finds the same account.
    const again = new CookieClient();
    await again.follow(web('/auth/test'));
    expect(await whoAmI(again)).toBe(name);
  });

  it('next= is kept when it is one of the site\'s own pages, ignored otherwise', async () => {
    const c = new CookieClient();
    const hops = await c.follow(web('/auth/test?next=%2Ffeed'));
    expect(hops.map((h) => h.headers.get('location')).at(-2)).toBe('/feed');
    const d = new CookieClient();
    const evil = await d.follow(web('/auth/test?next=%2F%2Fevil.example'));
    expect(evil.map((h) => h.headers.get('location'))).toContain('/userhome');
  });

  it('signed in already: the identity is linked to the current account, and then signs in to it', async () => {
    const c = new CookieClient();
    const user = fresh('linker');
    expect((await c.post(web('/signup'), { user_name: user, pwd: 'secret-pass' })).status).toBe(201);
    const back = await c.get(await toCallback(c));
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/settings');
    const list = await c.get(web(`/api/user/${user}/identities`));
    expect(((await list.json()) as { identities: { provider: string }[] }).identities.map((i) => i.provider)).toEqual(['test']);
    const other = new CookieClient();
    await other.follow(web('/auth/test'));
    expect(await whoAmI(other)).toBe(user);
  });

  it('an identity linked to another account is an error page (409), and nothing changes', async () => {
    const owner = new CookieClient();
    await owner.follow(web('/auth/test'));
    const ownerName = await whoAmI(owner);
    const c = new CookieClient();
    const user = fresh('other');
    await c.post(web('/signup'), { user_name: user, pwd: 'secret-pass' });
    const res = await c.get(await toCallback(c));
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('class="error-page');
    expect(await whoAmI(c)).toBe(user);
    const fresh2 = new CookieClient();
    await fresh2.follow(web('/auth/test'));
    expect(await whoAmI(fresh2)).toBe(ownerName);
  });

  it('a callback with the state twice is refused', async () => {
    const c = new CookieClient();
    const url = new URL(await toCallback(c));
    url.searchParams.append('state', 'again');
    await refused(c, await c.get(url.href));
  });

  it('a state started for one provider is refused at another provider\'s callback', async () => {
    const c = new CookieClient();
    const url = new URL(await toCallback(c));
    await refused(c, await c.get(web(`/auth/late/callback${url.search}`)));
  });

  it('a forged state is refused', async () => {
    const c = new CookieClient();
    const url = new URL(await toCallback(c));
    url.searchParams.set('state', 'forged');
    await refused(c, await c.get(url.href));
  });

  it('a callback without the state cookie (another browser) is refused', async () => {
    const url = await toCallback(new CookieClient());
    const stranger = new CookieClient();
    await refused(stranger, await stranger.get(url));
  });

  it('a tampered state cookie is refused', async () => {
    const c = new CookieClient();
    const url = await toCallback(c);
    const sealed = c.jar.get('oidc_state')!;
    c.jar.set('oidc_state', sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA'));
    await refused(c, await c.get(url));
  });

  it.each([
    ['a wrong nonce', { wrongNonce: true }],
    ['a wrong aud', { wrongAud: true }],
    ['a wrong iss', { wrongIss: true }],
    ['a foreign signing key', { foreignKey: true }],
    ['an expired ID token', { expired: true }],
  ])('an ID token with %s is refused', async (_label, misbehave) => {
    idp.misbehave = misbehave;
    const c = new CookieClient();
    await refused(c, await c.get(await toCallback(c)));
  });

  it('the provider\'s error answer is refused', async () => {
    idp.misbehave = { deny: true };
    const c = new CookieClient();
    const url = await toCallback(c);
    expect(new URL(url).searchParams.get('error')).toBe('access_denied');
    await refused(c, await c.get(url));
  });

  it('a replayed callback is refused: the same state once more, and the used code under a new state', async () => {
    const c = new CookieClient();
    const url = await toCallback(c);
    const sealed = c.jar.get('oidc_state')!;
    expect((await c.get(url)).status).toBe(302);
    const thief = new CookieClient();
    thief.jar.set('oidc_state', sealed);
    await refused(thief, await thief.get(url));
    // A new sign-in started by the thief, answered with the old code.
    const begin = await thief.get(web('/auth/test'));
    const state = new URL(begin.headers.get('location')!).searchParams.get('state')!;
    const replay = new URL(url);
    replay.searchParams.set('state', state);
    const before = idp.refusals.length;
    await refused(thief, await thief.get(replay.href));
    expect(idp.refusals.slice(before)).toEqual(['replayed code']);
  });

  it('a provider that goes down before the code exchange: an error page, no session', async () => {
    const c = new CookieClient();
    const url = await toCallback(c);
    idp.down = true;
    await refused(c, await c.get(url));
  });

  it('a provider down at first use: its sign-in is a 503 page, everything else works; once up (and retried) it works', async () => {
    const c = new CookieClient();
    const down = await c.get(web('/auth/late'));
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('Late cannot be reached');
    expect((await c.get(web('/'))).status).toBe(200);
    const other = new CookieClient();
    await other.follow(web('/auth/test'));
    expect(await whoAmI(other)).not.toBeNull();
    late.down = false;
    // The failure is remembered for a while, so a dead provider is not asked at every click.
    expect((await c.get(web('/auth/late'))).status).toBe(503);
    stack.web.oidcClients.forgetFailures();
    late.user = { sub: fresh('late-'), name: 'Late Comer' };
    const hops = await c.follow(web('/auth/late'));
    expect(hops.at(-2)?.headers.get('location')).toBe('/userhome');
    expect(await whoAmI(c)).toBe('Late_Comer');
  });

  it('an unknown provider is the 404 page', async () => {
    const c = new CookieClient();
    for (const path of ['/auth/nope', '/auth/nope/callback?code=x&state=y', `/auth/${'x'.repeat(300)}`, '/auth/%00']) {
      const res = await c.get(web(path));
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('class="error-page');
    }
  });

  it('the home page offers a button per provider', async () => {
    const html = await (await fetch(web('/'))).text();
    expect(html).toContain('href="/auth/test"');
    expect(html).toContain('Sign in with Test');
    expect(html).toContain('Sign in with Late');
    expect(html).toContain('id="phone-signin-form"');
  });

  it.each([
    ['/api/internal/identities/signin', { 'x-internal-token': TOKEN }],
    ['/api/internal/identities/signin', {}],
    ['/api/%69nternal/identities/signin', { 'x-internal-token': TOKEN }],
    ['/api//internal/identities/link', { 'x-internal-token': TOKEN }],
    ['/api/INTERNAL/identities/signin', { 'x-internal-token': TOKEN }],
    ['/api/%2569nternal/identities/signin', { 'x-internal-token': TOKEN }],
  ])('the public proxy never reaches %s (404)', async (path, headers) => {
    const res = await fetch(web(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ provider: 'test', subject: 'x' }) });
    expect(res.status).toBe(404);
    expect(res.headers.getSetCookie().some((s) => s.startsWith('session='))).toBe(false);
  });
});
