import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { announceBrowser, haveBrowser, launchChromium } from './chromium.js';
import { startStack, type Stack } from './stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sample.mp4', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';

announceBrowser('Browser tests');

describe.skipIf(!haveBrowser)('in Chromium: the journey through the pages', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const alerts: string[] = [];
  const user = `viewer_${Date.now().toString(36)}`;

  beforeAll(async () => {
    stack = await startStack('sqlite');
    profile = mkdtempSync(path.join(os.tmpdir(), 'web-chromium-'));
    context = await launchChromium(profile);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('dialog', async (dialog) => {
      if (dialog.type() === 'alert') alerts.push(dialog.message());
      await dialog.accept();
    });
    // Nothing may leave 127.0.0.1.
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
      consoleErrors.push(`blocked request to another host: ${route.request().url()}`);
      return route.abort();
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('home page: register with an inline error first, then for real', async () => {
    await page.goto(`${stack.webUrl}/`);
    await expect.poll(() => page.title()).toContain('Reel');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'home-first-visit.png') });

    await page.click('#tab-signup');
    await page.fill('#signup-form input[name=user_name]', 'has space');
    await page.fill('#signup-form input[name=pwd]', 'secret-pass');
    await page.click('#signup-form button[type=submit]');
    await expect.poll(() => page.textContent('#signup-form [data-error]')).toMatch(/letters, digits/);
    // What was typed is still there.
    expect(await page.inputValue('#signup-form input[name=pwd]')).toBe('secret-pass');

    await page.fill('#signup-form input[name=user_name]', user);
    await Promise.all([page.waitForURL('**/userhome'), page.click('#signup-form button[type=submit]')]);
    expect(await page.textContent('#user-name')).toBe(user);
    // The session cookie is invisible to script.
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/session=/);
  });

  it('uploads a video through the dialog and lists it', async () => {
    expect(await page.isVisible('#videos-empty')).toBe(true);
    await page.click('#open-upload');
    await page.fill('#upload-name', 'Evening gradient');
    await page.setInputFiles('#upload-file', FIXTURE);
    await page.click('#upload-submit');
    await expect.poll(() => page.textContent('#upload-status')).toBe('Uploaded!');
    await page.click('#upload-close');
    await page.waitForSelector('#upload-dialog[open]', { state: 'detached' });
    const item = page.locator('#video-list .video-item-name');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.first().textContent()).toBe('Evening gradient');
    expect(await page.textContent('#video-title')).toBe('Evening gradient');
    // No "upload not finished"; the processing state the new upload is in is a badge of its own.
    expect(await page.locator('#video-list .badge:not(.badge-processing)').count()).toBe(0);
    expect(await page.locator('#video-list .badge-processing').textContent()).toMatch(/^(Waiting to be processed|Processing \d+ %)$/);
  });

  it('plays it: the video element advances', async () => {
    await page.waitForSelector('#player video');
    await page.click('#player .dplayer-video-wrap');
    await page.waitForFunction(() => (document.querySelector('#player video') as HTMLVideoElement).currentTime > 0.5, null, {
      timeout: 20_000,
    });
    await page.evaluate(() => (document.querySelector('#player video') as HTMLVideoElement).pause());
  });

  it('rejects a file that is not a video clearly; the record shows as not finished, its name as text', async () => {
    await page.click('#open-upload');
    await page.fill('#upload-name', XSS);
    await page.setInputFiles('#upload-file', { name: 'notes.mp4', mimeType: 'video/mp4', buffer: Buffer.from('plain text, not a video') });
    await page.click('#upload-submit');
    await expect.poll(() => page.textContent('#upload-error')).toMatch(/not a video/);
    await page.click('#upload-cancel');
    const pending = page.locator('#video-list li').first();
    await expect.poll(() => pending.locator('.badge').textContent()).toBe('upload not finished');
    expect(await pending.locator('.video-item-name').textContent()).toBe(XSS);
    await pending.locator('button').click();
    // The player of the video played before goes once the new record has been read.
    await expect.poll(() => page.textContent('#video-title')).toBe(XSS);
    await expect.poll(() => page.isVisible('#player-pending')).toBe(true);
    await expect.poll(() => page.locator('#player video').count()).toBe(0);
    // The name is text: no element came of it (the other video's poster is the list's only image).
    expect(await page.locator('#video-list .video-item-name *, #video-title *').count()).toBe(0);
    await page.click('#delete-video');
    await expect.poll(() => page.locator('#video-list li').count()).toBe(1);
  });

  it('comments (as text), then deletes the comments', async () => {
    await page.locator('#video-list .video-item').first().click();
    await page.waitForSelector('#player video');
    const comment = page.locator('#comment-list .comment');
    const post = async (text: string, count: number) => {
      await page.fill('#comment-input', text);
      await page.click('#comment-form button[type=submit]');
      await expect.poll(() => comment.count()).toBe(count);
      expect(await comment.first().locator('.comment-text').textContent()).toBe(text);
      expect(await comment.first().locator('.comment-author').textContent()).toBe(user);
    };
    await post('Lovely colours!', 1);
    await post('The fade around 0:02 is gorgeous.', 2);
    await page.evaluate(() => (document.querySelector('#player video') as HTMLVideoElement).currentTime = 2);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'userhome.png'), fullPage: true });

    await post(XSS, 3);
    expect(await page.locator('#comment-list img').count()).toBe(0);
    for (let n = 3; n > 0; n--) {
      await comment.first().locator('button[aria-label="Delete comment"]').click();
      await expect.poll(() => comment.count()).toBe(n - 1);
    }
    expect(await page.isVisible('#comments-empty')).toBe(true);
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'userhome-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('deletes the video and signs out', async () => {
    await page.click('#delete-video');
    await page.waitForSelector('#videos-empty:not([hidden])');
    expect(await page.locator('#video-list li').count()).toBe(0);
    expect(await page.isVisible('#player-empty')).toBe(true);

    await Promise.all([page.waitForURL(`${stack.webUrl}/`), page.click('#signout-form button')]);
    await page.goto(`${stack.webUrl}/userhome`);
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('signing in with a wrong password shows an inline error', async () => {
    await page.fill('#signin-form input[name=user_name]', user);
    await page.fill('#signin-form input[name=pwd]', 'wrong-password');
    await page.click('#signin-form button[type=submit]');
    await expect.poll(() => page.textContent('#signin-form [data-error]')).toBe('Wrong user name or password.');
  });

  it('signs in through the form and pages the video list with "Load more"', async () => {
    await page.fill('#signin-form input[name=pwd]', 'secret-pass');
    await Promise.all([page.waitForURL('**/userhome'), page.click('#signin-form button[type=submit]')]);
    for (let i = 1; i <= 13; i++) {
      const res = await page.request.post(`${stack.webUrl}/api/user/${user}/videos`, { data: { name: `Clip ${i}` } });
      expect(res.status()).toBe(201);
    }
    await page.reload();
    const items = page.locator('#video-list li');
    await expect.poll(() => items.count()).toBe(12);
    expect(await items.first().locator('.video-item-name').textContent()).toBe('Clip 13');
    await page.click('#videos-more');
    await expect.poll(() => items.count()).toBe(13);
    expect(await items.last().locator('.video-item-name').textContent()).toBe('Clip 1');
    expect(await page.isVisible('#videos-more')).toBe(false);
  });

  it('the upload dialog on a long phone page: the backdrop covers the whole viewport, the dialog fits', async () => {
    await page.setViewportSize({ width: 360, height: 640 });
    await page.evaluate(() => {
      document.body.style.minHeight = '4000px';
      window.scrollTo(0, document.documentElement.scrollHeight);
      (document.querySelector('#open-upload') as HTMLButtonElement).click();
    });
    await page.waitForSelector('#upload-dialog[open]');
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(2000);
    const corners = await page.evaluate(() => {
      const [w, h] = [window.innerWidth, window.innerHeight];
      return [[1, 1], [w - 2, 1], [1, h - 2], [w - 2, h - 2], [w / 2, h - 2]].map(([x, y]) => document.elementFromPoint(x, y)?.id ?? null);
    });
    expect(corners).toEqual(Array(5).fill('upload-dialog'));
    // The page under the dialog stays put: scrolling cannot bring uncovered page into view.
    const scrolled = await page.evaluate(() => window.scrollY);
    await page.mouse.move(20, 620);
    await page.mouse.wheel(0, -1500);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    const backdrop = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('#upload-dialog')!, '::backdrop').height));
    expect(backdrop).toBeGreaterThanOrEqual(640);
    const box = (await page.locator('#upload-dialog').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    expect(await page.isVisible('#upload-submit')).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'upload-dialog-phone.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('#upload-dialog[open]', { state: 'detached' });
    await page.evaluate(() => {
      document.body.style.minHeight = '';
      window.scrollTo(0, 0);
    });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('on a slow link both upload paths show speed and time left; then a single Close, focused, that Escape also closes', async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 40 * 1024 });
    const uploadOnce = async (name: string, screenshot?: string) => {
      await page.click('#open-upload');
      await page.fill('#upload-name', name);
      await page.setInputFiles('#upload-file', FIXTURE);
      await page.click('#upload-submit');
      await expect.poll(() => page.textContent('#upload-speed'), { timeout: 10_000 }).toMatch(/^[\d.]+ [KM]?B\/s · \d+ (s|min) left$/);
      if (screenshot) await page.locator('#upload-dialog').screenshot({ path: path.join(SCREENSHOTS, screenshot) });
      await expect.poll(() => page.textContent('#upload-status'), { timeout: 15_000 }).toBe('Uploaded!');
      const buttons = page.locator('#upload-dialog .dialog-actions button:visible');
      expect(await buttons.allTextContents()).toEqual(['Close']);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('upload-close');
      // It stays open until the user closes it.
      await page.waitForTimeout(900);
      expect(await page.isVisible('#upload-dialog')).toBe(true);
    };
    try {
      await uploadOnce('Slow link, resumable');
      await page.keyboard.press('Escape');
      await page.waitForSelector('#upload-dialog[open]', { state: 'detached' });
      // Without tus support the dialog falls back to one multipart POST: the same readout.
      await page.addInitScript(() => Object.defineProperty(window, 'tus', { value: { isSupported: false } }));
      await page.reload();
      await page.waitForSelector('#video-list li');
      await uploadOnce('Slow link, multipart', 'upload-dialog.png');
      await page.click('#upload-close');
      await page.waitForSelector('#upload-dialog[open]', { state: 'detached' });
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  }, 60_000);

  it('ran no injected script and broke no page rule', () => {
    expect(alerts).toEqual([]);
    expect(pageErrors).toEqual([]);
    // Failed requests the journey caused on purpose (a 400 for a bad name, 401 after sign-out, the 415) are logged by the
    // browser as resource errors; anything else (a CSP violation, a blocked host) is a failure.
    expect(consoleErrors.filter((m) => !/Failed to load resource: the server responded with a status of (400|401|404|415)/.test(m))).toEqual([]);
  });
});
