import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { form, nthMail, startMailStack, tokenIn, webSignIn, webSignUp, withCookie } from './settings-kit.js';

let n = 0;
const name = (p: string) => `${p}${(n += 1)}_${Math.random().toString(36).slice(2, 7)}`;

describe.each(testDialects())('settings and mailed-link pages on %s', (dialect) => {
  let site: Awaited<ReturnType<typeof startMailStack>>;
  let base = '';
  beforeAll(async () => {
    site = await startMailStack(dialect);
    base = site.stack.webUrl;
  }, 60_000);
  afterAll(async () => site?.close());

  it('/settings needs a session: a visitor goes to the sign-in form; the sign-in form links to the reset page', async () => {
    const res = await fetch(`${base}/settings`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/?next=%2Fsettings#auth');
    const home = await (await fetch(`${base}/`)).text();
    expect(home).toContain('href="/reset-password"');
  });

  it('shows the account, the header link, every section; then the email flow: a GET of the link confirms nothing, the button does', async () => {
    const user = name('set');
    const cookie = await webSignUp(base, user);
    const get = withCookie(base, cookie);
    let page = await (await get('/settings')).text();
    for (const id of ['email-none', 'email-form', 'password-form', 'signout-everywhere', 'delete-form', 'settings-link']) expect(page).toContain(`id="${id}"`);
    expect(page).toContain('/statics/js/settings.js');

    const email = `${user}@example.test`;
    const patch = await get(`/api/user/${user}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    expect(patch.status).toBe(200);
    const raw = await nthMail(site.smtp, email);
    const token = tokenIn(raw, '/verify-email?token=');
    expect(await (await get('/settings')).text()).toContain('id="email-unverified"');

    const landing = await fetch(`${base}/verify-email?token=${token}`);
    expect(landing.status).toBe(200);
    expect(['same-origin', 'no-referrer']).toContain(landing.headers.get('referrer-policy'));
    expect(landing.headers.get('cache-control')).toBe('no-store');
    const landingText = await landing.text();
    expect(landingText).toContain(`value="${token}"`);
    expect(landingText).toContain('action="/verify-email"');
    expect(await (await get('/settings')).text()).toContain('id="email-unverified"');

    const done = await fetch(`${base}/verify-email`, form({ token }));
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('id="verify-done"');
    page = await (await get('/settings')).text();
    expect(page).toContain('id="email-verified"');
    expect(page).toContain(email);

    const again = await fetch(`${base}/verify-email`, form({ token }));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('id="verify-error"');
  });

  it.each([
    ['no token', '/verify-email'],
    ['a short token', '/verify-email?token=abc'],
    ['a token with markup', `/verify-email?token=${encodeURIComponent('<script>x</script>')}`],
    ['a short reset token', '/reset-password/abc'],
    ['a very long token', `/verify-email?token=${'a'.repeat(5000)}`],
    ['a very long reset token', `/reset-password/${'a'.repeat(300)}`],
    ['a reset token with a path trick', '/reset-password/..%2F..%2Fetc'],
  ])('%s: 400 page, nothing echoed', async (_l, path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('<script>x');
  });

  it('POST /verify-email with a forged token: 400 page; from another site: 403', async () => {
    const res = await fetch(`${base}/verify-email`, form({ token: 'Z'.repeat(43) }));
    expect(res.status).toBe(400);
    const cross = await fetch(`${base}/verify-email`, { ...form({ token: 'Z'.repeat(43) }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
  });

  it('reset: the same page for a known and an unknown name; the link sets the password and ends every session', async () => {
    const user = name('rst');
    const cookie = await webSignUp(base, user);
    const get = withCookie(base, cookie);
    const email = `${user}@example.test`;
    await get(`/api/user/${user}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    const verify = tokenIn(await nthMail(site.smtp, email), '/verify-email?token=');
    expect((await fetch(`${base}/verify-email`, form({ token: verify }))).status).toBe(200);

    expect((await fetch(`${base}/reset-password`)).status).toBe(200);
    const empty = await fetch(`${base}/reset-password`, form({ who: ' ' }));
    expect(empty.status).toBe(400);
    const known = await fetch(`${base}/reset-password`, form({ who: user }));
    const unknown = await fetch(`${base}/reset-password`, form({ who: name('nobody') }));
    const byEmail = await fetch(`${base}/reset-password`, form({ who: email.toUpperCase() }));
    const bodies = await Promise.all([known, unknown, byEmail].map(async (r) => [r.status, (await r.text()).replace(/value="[^"]*"/g, '')]));
    expect(bodies[0]).toEqual(bodies[1]);
    expect(bodies[0]![1]).toContain('id="reset-sent"');
    const token = tokenIn(await nthMail(site.smtp, email, 3), '/reset-password/');
    expect(await (await fetch(`${base}/reset-password/${token}`)).text()).toContain(`action="/reset-password/${token}"`);
    const differ = await fetch(`${base}/reset-password/${token}`, form({ pwd: 'new-secret-1', pwd2: 'new-secret-2' }));
    expect(differ.status).toBe(400);
    const short = await fetch(`${base}/reset-password/${token}`, form({ pwd: '123', pwd2: '123' }));
    expect(short.status).toBe(400);
    const set = await fetch(`${base}/reset-password/${token}`, form({ pwd: 'new-secret-1', pwd2: 'new-secret-1' }));
    expect(set.status).toBe(200);
    expect(await set.text()).toContain('id="newpwd-done"');
    expect((await get('/settings')).status).toBe(302);
    expect((await webSignIn(base, user, 'secret-pwd')).status).toBe(401);
    expect((await webSignIn(base, user, 'new-secret-1')).status).toBe(200);
    const reused = await fetch(`${base}/reset-password/${token}`, form({ pwd: 'other-secret', pwd2: 'other-secret' }));
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('id="newpwd-error"');
  });

  it('deleting the account through /api with the password: the cookie session dies and sign-in fails', async () => {
    const user = name('del');
    const cookie = await webSignUp(base, user);
    const get = withCookie(base, cookie);
    const wrong = await get(`/api/user/${user}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pwd: 'not-it-pwd' }) });
    expect(wrong.status).toBe(401);
    const res = await get(`/api/user/${user}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pwd: 'secret-pwd' }) });
    expect(res.status).toBe(204);
    expect((await get('/settings')).status).toBe(302);
    expect((await webSignIn(base, user, 'secret-pwd')).status).toBe(401);
  });
});
