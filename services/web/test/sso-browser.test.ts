import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowser, haveBrowser, openIsolated, type IsolatedBrowser } from './chromium.js';
import { startOidcProvider, type TestOidcProvider } from './fixtures/oidc-provider.js';
import { startSmsWebhook, type SmsWebhook } from '../../api/test/phone/sms-webhook.js';
import { startStack, type Stack } from './stack.js';

// The other ways in, in a real browser: "Sign in with Test" on the home page through a local OpenID
// provider, and the phone form with the code the SMS webhook received.
announceBrowser('Single sign-on and phone browser test');

describe.skipIf(!haveBrowser)('in Chromium: sign in with a provider, and by phone', () => {
  let stack: Stack;
  let idp: TestOidcProvider;
  let sms: SmsWebhook;
  let browser: IsolatedBrowser;
  const stamp = Date.now().toString(36);

  beforeAll(async () => {
    idp = await startOidcProvider();
    sms = await startSmsWebhook();
    stack = await startStack('sqlite', {
      internal_token: 'browser-token',
      sms_webhook_url: sms.url,
      oidc_providers: [{ id: 'test', name: 'Test', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret }],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await sms?.close();
    await idp?.close();
  });

  it('clicks "Sign in with Test" on the home page and lands signed in on /userhome', async () => {
    idp.user = { sub: `sub-${stamp}`, preferred_username: `ann_${stamp}` };
    browser = await openIsolated('web-sso-');
    const { page } = browser;
    await page.goto(`${stack.webUrl}/`);
    await page.getByRole('link', { name: 'Sign in with Test' }).click();
    await page.waitForURL(`${stack.webUrl}/userhome`);
    expect(await page.textContent('#user-name')).toBe(`ann_${stamp}`);
    await page.context().clearCookies();
  }, 60_000);

  it('signs in by phone with the texted code, with the keyboard at 360 px wide', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${stack.webUrl}/`);
    await page.click('#phone-signin-form input[name=phone]');
    await page.keyboard.type('+1 415 555 0142');
    // Enter in the number field asks for the code.
    await page.keyboard.press('Enter');
    await page.waitForSelector('#phone-signin-form input[name=code]', { state: 'visible' });
    await page.fill('#phone-signin-form input[name=code]', '000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#phone-signin-form [data-error]')).toContain('wrong or has expired');
    await page.fill('#phone-signin-form input[name=code]', sms.codeFor('+14155550142'));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.webUrl}/userhome`);
    expect(await page.textContent('#user-name')).toMatch(/^user(_\d+)?$/);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
