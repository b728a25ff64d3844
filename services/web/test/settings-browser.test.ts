import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowser, haveBrowser, openIsolated, type IsolatedBrowser } from './chromium.js';
import { shoot } from './screenshots.js';
import { nthMail, startMailStack, tokenIn, webSignIn, webSignUp } from './settings/settings-kit.js';

announceBrowser('Settings browser tests');

const alive = async (base: string, cookie: string) => (await fetch(`${base}/settings`, { headers: { cookie: `session=${cookie}` }, redirect: 'manual' })).status === 200;

describe.skipIf(!haveBrowser)('in Chromium: /settings', () => {
  let site: Awaited<ReturnType<typeof startMailStack>>;
  let base = '';
  let person: IsolatedBrowser;
  const user = `settings_${Date.now().toString(36)}`;
  let cookie = '';

  beforeAll(async () => {
    site = await startMailStack('sqlite');
    base = site.stack.webUrl;
    cookie = await webSignUp(base, user);
    person = await openIsolated('web-settings-', 10_000);
    await person.context.addCookies([{ name: 'session', value: cookie, url: base }]);
  }, 60_000);

  afterAll(async () => {
    await person?.close();
    await site?.close();
  });

  it('adds an email by keyboard, confirms it through the mailed link’s button, and shows it verified', async () => {
    const { page } = person;
    await page.goto(`${base}/settings`);
    await page.locator('#settings-link').waitFor();
    await page.locator('#email-form input[name=email]').focus();
    await page.keyboard.type(`${user}@example.test`);
    await page.keyboard.press('Enter');
    await page.locator('#email-form [data-ok]').filter({ hasText: 'confirmation link' }).waitFor();
    await page.locator('#email-unverified').waitFor();
    const token = tokenIn(await nthMail(site.smtp, `${user}@example.test`), '/verify-email?token=');
    await page.goto(`${base}/verify-email?token=${token}`);
    // The button has autofocus; under load the press can come before the browser applies it.
    await page.locator('#verify-form button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#verify-done').waitFor();
    await page.goto(`${base}/settings`);
    await page.locator('#email-verified').waitFor();
    await shoot(page, 'settings');
    expect(person.errors).toEqual([]);
  });

  it('a wrong current password shows an error; a right one keeps this session and ends the others', async () => {
    const { page } = person;
    const laptop = (await webSignIn(base, user, 'secret-pwd')).cookie!;
    expect(await alive(base, laptop)).toBe(true);
    await page.goto(`${base}/settings`);
    const f = page.locator('#password-form');
    await f.locator('input[name=old_pwd]').fill('not-my-pwd');
    await f.locator('input[name=pwd]').fill('fresh-secret');
    await f.locator('input[name=pwd2]').fill('fresh-secret');
    await f.locator('button[type=submit]').click();
    await f.locator('[data-error]').filter({ hasText: 'current password is wrong' }).waitFor();
    await f.locator('input[name=old_pwd]').fill('secret-pwd');
    await f.locator('button[type=submit]').click();
    await f.locator('[data-ok]').filter({ hasText: 'Password changed' }).waitFor();
    expect(await alive(base, cookie)).toBe(true);
    expect(await alive(base, laptop)).toBe(false);
    expect((await webSignIn(base, user, 'fresh-secret')).status).toBe(200);
  });

  it('sign out everywhere ends this session too and lands on the home page', async () => {
    const { page } = person;
    const phone = (await webSignIn(base, user, 'fresh-secret')).cookie!;
    await page.goto(`${base}/settings`);
    await page.locator('#signout-everywhere').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);
    await page.locator('#signin-link').waitFor();
    expect(await alive(base, cookie)).toBe(false);
    expect(await alive(base, phone)).toBe(false);
    expect(person.errors).toEqual([]);
  });

  it('deleting the account needs the password and the confirmation box, then lands signed out on the home page', async () => {
    const { page } = person;
    const again = (await webSignIn(base, user, 'fresh-secret')).cookie!;
    await person.context.addCookies([{ name: 'session', value: again, url: base }]);
    await page.goto(`${base}/settings`);
    const f = page.locator('#delete-form');
    await f.locator('input[name=pwd]').fill('not-my-pwd');
    await f.locator('input[name=confirm]').check();
    await f.locator('button[type=submit]').click();
    await f.locator('[data-error]').filter({ hasText: 'password is wrong' }).waitFor();
    expect(await alive(base, again)).toBe(true);
    await f.locator('input[name=pwd]').fill('fresh-secret');
    await f.locator('button[type=submit]').click();
    await page.waitForURL(`${base}/`);
    await page.locator('#signin-link').waitFor();
    expect(await alive(base, again)).toBe(false);
    expect((await webSignIn(base, user, 'fresh-secret')).status).toBe(401);
    expect(person.errors).toEqual([]);
  });
});
