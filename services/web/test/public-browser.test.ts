import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { announceBrowser, haveBrowser, launchChromium } from './chromium.js';
import { SCREENSHOTS, shoot } from './screenshots.js';
import { startStack, type Stack } from './stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sample.mp4', import.meta.url));

announceBrowser('Public site browser tests');

interface Browser {
  context: BrowserContext;
  page: Page;
  profile: string;
  errors: string[];
}

/** A Chromium of its own (its own cookies), that records script errors and allows only 127.0.0.1. */
async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'web-public-'));
  const context = await launchChromium(profile);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404)/.test(msg.text())) errors.push(msg.text());
  });
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
    errors.push(`blocked request to another host: ${route.request().url()}`);
    return route.abort();
  });
  return { context, page, profile, errors };
}

/** Full-page screenshots at desktop and phone width; the page must not scroll sideways on the phone. */

describe.skipIf(!haveBrowser)('in Chromium: the public site, from a visitor to a shared link', () => {
  let stack: Stack;
  let fan: Browser;
  let other: Browser;
  let cookie = '';
  let videoId = '';
  const owner = `owner_${Date.now().toString(36)}`;
  const fanName = `fan_${Date.now().toString(36)}`;

  const send = (method: string, p: string, body?: unknown) =>
    fetch(`${stack.webUrl}${p}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    stack = await startStack('sqlite');
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The owner's video, its file and a comment, set up through the web like any client would.
    const signup = await send('POST', '/signup', { user_name: owner, pwd: 'secret-pass' });
    cookie = signup.headers.getSetCookie().find((c) => c.startsWith('session='))!.split(';')[0];
    const body = { name: 'Sunset over the bay', description: 'Filmed from the pier.', tags: ['sunset', 'sea'] };
    const video = (await (await send('POST', `/api/user/${owner}/videos`, body)).json()) as { id: string };
    videoId = video.id;
    const waves = (await (await send('POST', `/api/user/${owner}/videos`, { name: 'Waves at night', tags: ['sea'] })).json()) as { id: string };
    for (const id of [videoId, waves.id]) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(readFileSync(FIXTURE))], { type: 'video/mp4' }), 'clip.mp4');
      expect((await fetch(`${stack.webUrl}/upload/${id}`, { method: 'POST', body: form, headers: { cookie } })).status).toBe(201);
    }
    expect((await send('POST', `/api/videos/${videoId}/comments`, { content: 'The colours at the end!' })).status).toBe(201);
    [fan, other] = [await openBrowser(), await openBrowser()];
  }, 90_000);

  afterAll(async () => {
    for (const b of [fan, other]) {
      await b?.context.close();
      if (b) rmSync(b.profile, { recursive: true, force: true });
    }
    await stack?.close();
  });

  it('a visitor sees the video on the home page, searches and finds it', async () => {
    const { page } = fan;
    await page.goto(`${stack.webUrl}/`);
    const card = page.locator(`#video-grid a.vcard[href="/v/${videoId}"]`);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.locator('.vcard-name').textContent()).toBe('Sunset over the bay');
    expect(await page.isVisible('#signin-form')).toBe(true);
    await shoot(page, 'home');
    await page.fill('#site-search-q', 'sunset');
    await Promise.all([page.waitForURL('**/search?q=sunset'), page.press('#site-search-q', 'Enter')]);
    await expect.poll(() => card.count()).toBe(1);
    await shoot(page, 'search');
  });

  it('opens the watch page from the card with the keyboard, and reads the comments', async () => {
    const { page } = fan;
    await page.focus(`a.vcard[href="/v/${videoId}"]`);
    await Promise.all([page.waitForURL(`**/v/${videoId}`), page.keyboard.press('Enter')]);
    expect(await page.title()).toBe('Sunset over the bay');
    expect(await page.getAttribute('link[rel=canonical]', 'href')).toBe(`${stack.webUrl}/v/${videoId}`);
    expect(await page.getAttribute('meta[property="og:video"]', 'content')).toBe(`${stack.webUrl}/videos/${videoId}`);
    await expect.poll(() => page.locator('#comment-list .comment-text').first().textContent()).toBe('The colours at the end!');
    expect(await page.isVisible('#comment-form')).toBe(false);
    expect(await page.getAttribute(`.tags a`, 'href')).toBe('/search?q=sunset');
    await page.waitForSelector('#player video');
    await expect.poll(() => page.locator('#related-list a.vcard').count()).toBe(1);
    await shoot(page, 'watch');
  });

  it('signs up from the watch page, comes back to it and likes the video', async () => {
    const { page } = fan;
    await page.click('#like-btn');
    await page.waitForSelector('#signin-dialog[open]');
    await page.click('#signin-dialog #tab-signup');
    await page.fill('#signup-form input[name=user_name]', fanName);
    await page.fill('#signup-form input[name=pwd]', 'secret-pass');
    await Promise.all([page.waitForURL(`**/v/${videoId}`), page.click('#signup-form button[type=submit]')]);
    expect(await page.textContent('#user-name')).toBe(fanName);
    await page.waitForSelector('#comment-list .comment');
    await page.click('#like-btn');
    await expect.poll(() => page.getAttribute('#like-btn', 'aria-pressed')).toBe('true');
    expect(await page.textContent('#like-count')).toBe('1');
    const rating = (await (await page.request.get(`${stack.webUrl}/api/videos/${videoId}`)).json()) as { likes: number };
    expect(rating.likes).toBe(1);
  });

  it('a second, signed-out browser opens the shared link and plays it; the player reports views', async () => {
    const { page } = other;
    const reported = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/videos/${videoId}/views`));
    await page.goto(`${stack.webUrl}/v/${videoId}`);
    await page.click('#player .dplayer-video-wrap');
    await page.waitForFunction(() => (document.querySelector('#player video') as HTMLVideoElement).currentTime > 0.5, null, { timeout: 20_000 });
    expect((await reported).postDataJSON()).toHaveProperty('position');
    await page.evaluate(() => (document.querySelector('#player video') as HTMLVideoElement).pause());
  });

  it('the owner makes it private in the studio edit dialog; the shared link becomes the 404 page', async () => {
    const { page } = fan;
    await Promise.all([page.waitForURL(`${stack.webUrl}/`), page.click('#signout-form button')]).catch(() => undefined);
    await page.goto(`${stack.webUrl}/`);
    await page.fill('#signin-form input[name=user_name]', owner);
    await page.fill('#signin-form input[name=pwd]', 'secret-pass');
    await Promise.all([page.waitForURL('**/userhome'), page.click('#signin-form button[type=submit]')]);
    const item = page.locator('#video-list li', { hasText: 'Sunset over the bay' });
    expect(await item.locator('a.video-item-watch').getAttribute('href')).toBe(`/v/${videoId}`);
    await item.locator('.video-item').click();
    expect(await page.getAttribute('#watch-link', 'href')).toBe(`/v/${videoId}`);
    await page.click('#edit-video');
    await page.waitForSelector('#edit-dialog[open]');
    expect(await page.inputValue('#edit-tags')).toBe('sunset, sea');
    await page.selectOption('#edit-privacy', 'private');
    await page.click('#edit-save');
    await page.waitForSelector('#edit-dialog[open]', { state: 'detached' });
    await expect.poll(() => page.textContent('#video-badges')).toBe('private');
    const res = await other.page.goto(`${stack.webUrl}/v/${videoId}`);
    expect(res?.status()).toBe(404);
    expect(await other.page.textContent('h1')).toContain('isn’t here');
  });

  it('the owner’s channel lists the private video marked; visitors do not see it', async () => {
    await fan.page.goto(`${stack.webUrl}/u/${owner}`);
    const privateCard = fan.page.locator(`a.vcard[href="/v/${videoId}"] .badge-private`);
    await expect.poll(() => privateCard.count()).toBe(1);
    await shoot(fan.page, 'channel');
    await other.page.goto(`${stack.webUrl}/u/${owner}`);
    expect(await other.page.locator(`a.vcard[href="/v/${videoId}"]`).count()).toBe(0);
  });

  it('ran without script errors or requests to other hosts', () => {
    expect(fan.errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });
});
