import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { announceBrowser, haveBrowser, launchChromium } from './chromium.js';
import { buildWeb, listen, startFakeStream, type FakeStream } from './helper.js';
import { HOSTILE, startFakePublicApi, type FakePublicApi } from './pages/fake-public-api.js';

announceBrowser('Home feed browser tests');

describe.skipIf(!haveBrowser)('in Chromium: the home feed against a scripted api', () => {
  let api: FakePublicApi;
  let stream: FakeStream;
  let web: FastifyInstance;
  let base = '';
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  beforeAll(async () => {
    api = await startFakePublicApi();
    stream = await startFakeStream();
    web = await buildWeb({ api_url: api.url, stream_url: stream.url });
    base = (await listen(web)).base;
    profile = mkdtempSync(path.join(os.tmpdir(), 'web-feed-'));
    context = await launchChromium(profile);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('dialog', (dialog) => {
      errors.push(`dialog: ${dialog.message()}`);
      return dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await web?.close();
    await api?.close();
    await stream?.close();
  });

  it('"Load more" appends the next page with next_cursor, skips a card already shown, then hides', async () => {
    await page.goto(`${base}/`);
    const cards = page.locator('#video-grid a.vcard');
    expect(await cards.count()).toBe(2);
    await page.focus('#grid-more');
    await page.keyboard.press('Enter');
    await expect.poll(() => cards.count()).toBe(3);
    expect(api.seen.findLast((s) => s.url.startsWith('/videos?'))!.url).toBe('/videos?sort=recent&limit=24&cursor=page-2');
    const added = page.locator('a.vcard[href="/v/later"]');
    expect(await added.locator('.vcard-name').textContent()).toBe('From the second page');
    expect(await added.locator('.vcard-duration').textContent()).toBe('1:02:05');
    expect(await added.locator('img').getAttribute('alt')).toBe('');
    expect(await page.isVisible('#grid-more')).toBe(false);
    // The hostile name from the api is text on the page, never markup.
    expect(await page.locator('a.vcard[href="/v/hostile"] .vcard-name').textContent()).toBe(HOSTILE);
    expect(errors).toEqual([]);
  });

  it('the cards are links reachable with Tab, with a visible focus ring', async () => {
    await page.goto(`${base}/`);
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.classList.contains('vcard'))) break;
    }
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    expect(await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute('href'))).toBe('/v/cats');
  });
});
