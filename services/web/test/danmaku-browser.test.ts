import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { announceBrowser, haveBrowser, launchChromium } from './chromium.js';
import { startStack, type Stack } from './stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sample.mp4', import.meta.url));

announceBrowser('Danmaku browser test');

describe.skipIf(!haveBrowser)('in Chromium: danmaku between two pages of one video', () => {
  let stack: Stack;
  let context: BrowserContext;
  let profile: string;
  let sender: Page;
  let watcher: Page;
  const problems: string[] = [];
  const user = `dm_${Date.now().toString(36)}`;

  const openPage = async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of (404|429)/.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    await page.goto(`${stack.webUrl}/userhome`);
    await page.waitForSelector('#player .dplayer-danmaku');
    return page;
  };

  /** Sends a danmaku the way a viewer does: the comment box in DPlayer's control bar. */
  const sendDanmaku = async (page: Page, text: string) => {
    // A background tab runs no animation frames, and Playwright waits for them before a click.
    await page.bringToFront();
    await page.hover('#player .dplayer-video-wrap');
    await page.click('#player .dplayer-comment-icon');
    await page.fill('#player .dplayer-comment-input', text);
    await page.press('#player .dplayer-comment-input', 'Enter');
  };

  beforeAll(async () => {
    stack = await startStack('sqlite', { danmaku_rate_limit: 5 });
    profile = mkdtempSync(path.join(os.tmpdir(), 'danmaku-chromium-'));
    context = await launchChromium(profile);
    // Nothing may leave 127.0.0.1.
    await context.route(/^(?!(http|ws):\/\/127\.0\.0\.1[:/])/, (route) => {
      problems.push(`blocked request to another host: ${route.request().url()}`);
      return route.abort();
    });
    // One signed-in user (the cookie is shared by both pages) with one uploaded video.
    const api = context.request;
    expect((await api.post(`${stack.webUrl}/signup`, { data: { user_name: user, pwd: 'secret-pass' } })).status()).toBe(201);
    const created = await api.post(`${stack.webUrl}/api/user/${user}/videos`, { data: { name: 'Danmaku night' } });
    expect(created.status()).toBe(201);
    const { id } = await created.json();
    const uploaded = await api.post(`${stack.webUrl}/upload/${id}`, {
      multipart: { file: { name: 'sample.mp4', mimeType: 'video/mp4', buffer: readFileSync(FIXTURE) } },
    });
    expect(uploaded.status()).toBe(201);
    sender = await openPage();
    watcher = await openPage();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows 2 watching now on both pages, and on the video card', async () => {
    for (const page of [sender, watcher]) {
      await page.waitForSelector('#danmaku-watching[data-viewers="2"]:not([hidden])');
      expect(await page.textContent('#danmaku-watching')).toBe('2 watching now');
    }
    await watcher.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await watcher.waitForSelector('#video-list .danmaku-card-viewers[data-viewers="2"]');
  });

  it('a danmaku sent from one page flies across the other at once, as text', async () => {
    const text = `hello <b>there</b> ${Date.now() % 1000}`;
    await sendDanmaku(sender, text);
    const flying = watcher.locator('#player .dplayer-danmaku .dplayer-danmaku-item', { hasText: text });
    await expect.poll(() => flying.count(), { timeout: 5000 }).toBeGreaterThan(0);
    expect(await watcher.locator('#player .dplayer-danmaku b').count()).toBe(0);
    // The sender sees it once (its own draw), not a second time from the live echo.
    await sender.waitForTimeout(300);
    expect(await sender.locator('#player .dplayer-danmaku .dplayer-danmaku-item', { hasText: text }).count()).toBe(1);
    // It was stored: a page opened later gets it with the pool.
    const pool = await (await context.request.get(`${stack.webUrl}/api/danmaku/v3/?id=${await videoId(watcher)}`)).json();
    expect(pool.data.map((d: unknown[]) => d[4])).toContain(text.replace('<b>', '&lt;b&gt;').replace('</b>', '&lt;/b&gt;'));
  });

  it('draws the density curve over the seek bar', async () => {
    await watcher.waitForSelector('#player .dplayer-bar-wrap .danmaku-density polygon', { state: 'attached' });
    await sender.waitForSelector('#player .dplayer-bar-wrap .danmaku-density polygon', { state: 'attached' });
  });

  it('filters: blocked words are not drawn, others are; the filter is kept for this user', async () => {
    await watcher.click('.danmaku-filters summary');
    await watcher.fill('.danmaku-filters-words input', 'spoiler');
    await watcher.waitForTimeout(400);
    await sendDanmaku(sender, 'big SPOILER ahead');
    await sendDanmaku(sender, 'plain one');
    const items = watcher.locator('#player .dplayer-danmaku .dplayer-danmaku-item');
    await expect.poll(() => items.filter({ hasText: 'plain one' }).count(), { timeout: 5000 }).toBeGreaterThan(0);
    expect(await items.filter({ hasText: 'SPOILER' }).count()).toBe(0);
    await watcher.reload();
    await watcher.waitForSelector('#player .dplayer-danmaku');
    expect(await watcher.inputValue('.danmaku-filters-words input')).toBe('spoiler');
    await watcher.waitForSelector('#danmaku-watching[data-viewers="2"]');
    // The export link gives the pool as Bilibili XML.
    const href = await watcher.getAttribute('.danmaku-export', 'href');
    const xml = await context.request.get(`${stack.webUrl}${href}`);
    expect(xml.status()).toBe(200);
    expect(await xml.text()).toMatch(/<d p="[^"]+">big SPOILER ahead<\/d>/);
  });

  it('shows the server’s reason when a danmaku is refused (rate limit)', async () => {
    // DPlayer's notices fade after a moment: collect every one shown from now on.
    await sender.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { notices: string[] }).notices = seen;
      new MutationObserver(() => {
        document.querySelectorAll('#player .dplayer-notice').forEach((el) => seen.push(el.textContent ?? ''));
      }).observe(document.querySelector('#player')!, { childList: true, subtree: true, characterData: true });
    });
    const notices = () => sender.evaluate(() => (window as unknown as { notices: string[] }).notices.join(' | '));
    // Five are allowed per minute here (danmaku_rate_limit): within at most six quick sends one is refused.
    for (let i = 0; i < 6 && !/too many danmaku/i.test(await notices()); i++) {
      await sendDanmaku(sender, `burst ${i}`);
      await sender.waitForTimeout(150);
    }
    await expect.poll(notices, { timeout: 5000 }).toMatch(/too many danmaku: wait a few seconds/i);
  });

  it('counts the other page out as soon as it closes', async () => {
    await watcher.close();
    await sender.waitForSelector('#danmaku-watching[data-viewers="1"]');
    expect(problems).toEqual([]);
  });
});

// Without a browser too: the web's /api proxy carries the live socket and the session cookie.
describe('through the web proxy: the live socket and posting with the cookie', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('sqlite');
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('a viewer on /api/danmaku/ws receives a danmaku posted through /api/danmaku/v3/', async () => {
    const signup = await fetch(`${stack.webUrl}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_name: `ws_${Date.now().toString(36)}`, pwd: 'secret-pass' }),
    });
    expect(signup.status).toBe(201);
    const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
    const me = (await signup.json()).user_name as string;
    const created = await fetch(`${stack.webUrl}/api/user/${me}/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name: 'proxied' }),
    });
    const { id } = await created.json();

    const ws = new WebSocket(`${stack.webUrl.replace('http', 'ws')}/api/danmaku/ws?id=${id}`, { headers: { cookie } });
    const messages: { type: string; [k: string]: unknown }[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    try {
      await expect.poll(() => messages.find((m) => m.type === 'viewers')?.count, { timeout: 5000 }).toBe(1);
      const posted = await fetch(`${stack.webUrl}/api/danmaku/v3/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ id, time: 1, text: 'via the web', color: 0xffffff, type: 0 }),
      });
      expect(posted.status).toBe(200);
      await expect.poll(() => messages.find((m) => m.type === 'danmaku')?.data, { timeout: 5000 }).toEqual([1, 0, 0xffffff, me, 'via the web']);
      ws.send(JSON.stringify({ type: 'ping' }));
      await expect.poll(() => messages.some((m) => m.type === 'pong'), { timeout: 5000 }).toBe(true);
      expect(await (await fetch(`${stack.webUrl}/api/videos/${id}/viewers`)).json()).toEqual({ viewers: 1 });
    } finally {
      ws.close();
    }
  });
});

async function videoId(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector<HTMLElement>('#video-list li[data-id]')!.dataset.id!);
}
