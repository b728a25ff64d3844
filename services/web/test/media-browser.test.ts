import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { announceBrowser, haveBrowser, launchChromium } from './chromium.js';
import { startStack, type Stack } from './stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sample.mp4', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const PHONE = { width: 360, height: 740 };
const DESK = { width: 1280, height: 800 };
const VTT_EN = 'WEBVTT\n\n00:00:00.000 --> 00:00:03.500\nHello from the pier\n';
const SRT_ZH = '1\n00:00:00,000 --> 00:00:03,500\n码头的问候\n';

announceBrowser('Media browser tests');

/** An AVI (MPEG-4 Part 2) that Chromium cannot play as it is: it plays once its HLS renditions exist. */
function makeAvi(dir: string): string {
  const out = path.join(dir, 'train.avi');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3', '-c:v', 'mpeg4', '-y', out]);
  return out;
}

/** Waits for the api to report the video processed (the stack's scheduler runs the real pipeline). */
async function untilProcessed(stack: Stack, id: string, cookie: string, waitMs = 40_000): Promise<void> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const res = await fetch(`${stack.webUrl}/api/videos/${id}`, { headers: { cookie } });
    const state = ((await res.json()) as { processing?: { state?: string } | null }).processing?.state;
    if (state === 'done') return;
    if (state === 'failed') throw new Error(`processing ${id} failed`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${id} was not processed within ${waitMs} ms`);
}

async function shoot(page: Page, name: string) {
  await page.setViewportSize(DESK);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`) });
  await page.setViewportSize(DESK);
}

describe.skipIf(!haveBrowser)('in Chromium: processing, HLS playback and captions through the web', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let cookie = '';
  const ids = { sunset: '', train: '' };
  const errors: string[] = [];
  const requests: Request[] = [];
  const owner = `media_${Date.now().toString(36)}`;

  const send = (method: string, p: string, body?: unknown) =>
    fetch(`${stack.webUrl}${p}`, { method, headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const upload = async (id: string, file: string, type: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(readFileSync(file))], { type }), path.basename(file));
    expect((await fetch(`${stack.webUrl}/upload/${id}`, { method: 'POST', body: form, headers: { cookie } })).status).toBe(201);
  };

  beforeAll(async () => {
    profile = mkdtempSync(path.join(os.tmpdir(), 'web-media-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startStack('sqlite', { transcode_ladder: [240, 360], player_logo: '/statics/img/logo.svg' });
    const signup = await send('POST', '/signup', { user_name: owner, pwd: 'secret-pass' });
    cookie = signup.headers.getSetCookie().find((c) => c.startsWith('session='))!.split(';')[0];
    for (const [key, name] of [['sunset', 'Sunset over the bay'], ['train', 'Night train']] as const) {
      ids[key] = ((await (await send('POST', `/api/user/${owner}/videos`, { name })).json()) as { id: string }).id;
    }
    const avi = makeAvi(profile);
    context = await launchChromium(path.join(profile, 'chromium'));
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of (401|404)/.test(msg.text())) errors.push(msg.text());
    });
    page.on('request', (r) => requests.push(r));
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
      errors.push(`blocked request to another host: ${route.request().url()}`);
      return route.abort();
    });
    // Last, so the first test finds them still in processing: the MP4 first, the AVI queued behind it.
    await upload(ids.sunset, FIXTURE, 'video/mp4');
    await upload(ids.train, avi, 'video/x-msvideo');
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await stack?.close();
  });

  it('a video no browser plays as is shows its processing state, then plays once processed', async () => {
    await page.goto(`${stack.webUrl}/v/${ids.train}`);
    const status = page.locator('#processing-status[role=status][aria-live=polite]');
    expect(await status.textContent()).toMatch(/^(Waiting to be processed|Processing \d+ %)$/);
    expect(await page.isVisible('#processing-panel')).toBe(true);
    await shoot(page, 'watch-processing');
    await page.waitForSelector('#processing-panel', { state: 'hidden', timeout: 40_000 });
    await page.waitForSelector('#player video');
    expect(requests.some((r) => r.url().includes(`/videos/${ids.train}/hls/master.m3u8`))).toBe(true);
  }, 50_000);

  it('plays HLS: the poster before playback, storyboard tiles on the seek bar, byte ranges of the rendition', async () => {
    await untilProcessed(stack, ids.sunset, cookie);
    requests.length = 0;
    await page.goto(`${stack.webUrl}/v/${ids.sunset}`);
    const poster = await page.getAttribute('#player video', 'poster');
    expect(poster).toMatch(new RegExp(`^/videos/${ids.sunset}/poster\\.jpg\\?g=`));
    expect(await page.getAttribute('#player .dplayer-logo img', 'src')).toBe('/statics/img/logo.svg');
    await expect.poll(() => page.locator('#quality-select option').allTextContents()).toEqual([expect.stringMatching(/^Auto/), '360p', '240p']);
    await shoot(page, 'watch-poster');
    await page.click('#player .dplayer-video-wrap');
    await page.waitForFunction(() => (document.querySelector('#player video') as HTMLVideoElement).currentTime > 0.5, null, { timeout: 20_000 });
    const ranged = requests.filter((r) => /\/hls\/\d+\.mp4\?g=/.test(r.url()) && /^bytes=\d+-\d+$/.test(r.headers().range ?? ''));
    expect(ranged.length).toBeGreaterThan(0);
    await page.evaluate(() => (document.querySelector('#player video') as HTMLVideoElement).pause());
    const bar = page.locator('#player .dplayer-bar-wrap');
    const box = (await bar.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    const preview = page.locator('#player .dplayer-bar-preview');
    await expect.poll(() => preview.evaluate((el) => getComputedStyle(el).backgroundImage)).toContain(`/videos/${ids.sunset}/storyboard.jpg?g=`);
    expect(await preview.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'watch-hls.png') });
  }, 40_000);

  it('the quality select works from the keyboard: the chosen rung is loaded', async () => {
    requests.length = 0;
    await page.focus('#quality-select');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('#quality-select option:checked').textContent()).toBe('240p');
    await page.evaluate(() => (document.querySelector('#player video') as HTMLVideoElement).play());
    await expect.poll(() => requests.some((r) => /\/hls\/240\.(m3u8|mp4)\?g=/.test(r.url()))).toBe(true);
    await page.evaluate(() => (document.querySelector('#player video') as HTMLVideoElement).pause());
  });

  it('the owner adds captions in the studio (a bad language is caught first), deletes one, and asks for processing again', async () => {
    await page.goto(`${stack.webUrl}/`);
    await page.fill('#signin-form input[name=user_name]', owner);
    await page.fill('#signin-form input[name=pwd]', 'secret-pass');
    await Promise.all([page.waitForURL('**/userhome'), page.click('#signin-form button[type=submit]')]);
    await page.locator('#video-list li', { hasText: 'Sunset over the bay' }).locator('.video-item').click();
    await page.focus('#captions-video');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#captions-dialog[open]');
    const add = async (lang: string, name: string, text: string) => {
      await page.fill('#caption-lang', lang);
      await page.setInputFiles('#caption-file', { name, mimeType: '', buffer: Buffer.from(text) });
      await page.click('#caption-upload');
      await expect.poll(() => page.isEnabled('#caption-upload')).toBe(true);
    };
    await add('english!', 'en.vtt', VTT_EN);
    expect(await page.textContent('#captions-error')).toContain('language tag');
    await add('en', 'en.vtt', VTT_EN);
    await expect.poll(() => page.textContent('#captions-status')).toBe('Added the English (en) captions.');
    await add('zh-Hans', 'zh.srt', SRT_ZH);
    await expect.poll(() => page.textContent('#captions-status')).toBe('Added the Simplified Chinese (zh-Hans) captions.');
    await add('fr', 'fr.vtt', VTT_EN);
    await expect.poll(() => page.locator('#captions-tracks li').count()).toBe(3);
    await page.click('#captions-tracks li[data-lang="fr"] button');
    await expect.poll(() => page.locator('#captions-tracks li').count()).toBe(2);
    await shoot(page, 'captions-dialog');
    await page.click('#captions-close');
    await page.click('#reprocess-video');
    await expect.poll(() => page.textContent('#video-processing')).toMatch(/Waiting to be processed|Processing \d+ %/);
  }, 30_000);

  it('the watch page lists the captions and switches the language', async () => {
    await page.goto(`${stack.webUrl}/v/${ids.sunset}`);
    expect(await page.locator('#caption-list a').allTextContents()).toEqual(['English', 'Simplified Chinese']);
    const track = page.locator('#player track.dplayer-subtrack');
    await page.waitForSelector('#player track.dplayer-subtrack', { state: 'attached' });
    expect(await track.getAttribute('src')).toBe(`/videos/${ids.sunset}/captions/en.vtt`);
    await page.selectOption('#caption-select', { label: 'Simplified Chinese' });
    expect(await track.getAttribute('src')).toBe(`/videos/${ids.sunset}/captions/zh-Hans.vtt`);
    const vtt = await page.request.get(`${stack.webUrl}/videos/${ids.sunset}/captions/zh-Hans.vtt`);
    expect(await vtt.text()).toContain('码头的问候');
  });

  it('ran without script errors or requests to other hosts', () => {
    expect(errors).toEqual([]);
  });
});
