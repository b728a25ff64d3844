import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { announceBrowser, haveBrowser, type IsolatedBrowser } from './chromium.js';
import { personWith, shoot, startScriptedSite, type ScriptedSite } from './screenshots.js';

announceBrowser('Library pages browser tests');

const itemIds = (page: Page) => page.$$eval('#playlist-items li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id));

describe.skipIf(!haveBrowser)('in Chromium: the library and playlist editing against a scripted api', () => {
  let site: ScriptedSite;
  let api: ScriptedSite['api'];
  let base = '';
  let anna: IsolatedBrowser;
  let bob: IsolatedBrowser;

  beforeAll(async () => {
    site = await startScriptedSite();
    ({ api, base } = site);
    [anna, bob] = [await personWith(base, 'owner-session', 'web-library-'), await personWith(base, 'bob-session', 'web-library-')];
  }, 60_000);

  afterAll(async () => {
    for (const p of [anna, bob]) await p?.close();
    await site?.close();
  });

  it('favorites show as cards; the history clears after a confirmation', async () => {
    const { page } = anna;
    api.social.favorites.add('cats');
    await page.goto(`${base}/library`);
    expect(await page.locator('#video-grid a.vcard').count()).toBe(1);
    await shoot(page, 'library');
    api.social.history.push('later', 'cats');
    await page.click('#library-link');
    await page.click('a[href="/library?tab=history"]');
    expect(await page.locator('#video-grid a.vcard').count()).toBe(2);
    await page.waitForLoadState('networkidle');
    await page.focus('#history-clear');
    await page.keyboard.press('Enter');
    await expect.poll(() => api.social.history.length).toBe(0);
    await page.waitForSelector('text=Nothing watched yet.');
    expect(api.social.history).toEqual([]);
  });

  it('a playlist made from the library opens its page', async () => {
    const { page } = anna;
    await page.goto(`${base}/library?tab=playlists`, { waitUntil: 'networkidle' });
    await page.fill('#playlist-create input[name="name"]', 'Road trip');
    await page.selectOption('#playlist-create select[name="privacy"]', 'unlisted');
    await Promise.all([page.waitForURL(/\/playlists\//), page.click('#playlist-create button[type="submit"]')]);
    const made = api.social.playlists.find((p) => p.name === 'Road trip');
    expect(made?.privacy).toBe('unlisted');
    expect(page.url()).toBe(`${base}/playlists/${made!.id}`);
  });

  it('the owner moves a video down from the keyboard, removes one, and renames the list', async () => {
    const { page } = anna;
    await page.goto(`${base}/playlists/pl1`, { waitUntil: 'networkidle' });
    expect(await itemIds(page)).toEqual(['cats', 'hlsReady', 'later']);
    await page.focus('#playlist-items li:first-child button[data-move="1"]');
    await page.keyboard.press('Enter');
    await expect.poll(() => itemIds(page)).toEqual(['hlsReady', 'cats', 'later']);
    expect(api.social.playlists.find((p) => p.id === 'pl1')?.videos).toEqual(['hlsReady', 'cats', 'later']);
    expect(await page.textContent('#playlist-items li:nth-child(2) .playlist-pos')).toBe('2');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-move'))).toBe('1');
    await page.click('#playlist-items li[data-id="later"] button[data-remove]');
    await expect.poll(() => itemIds(page)).toEqual(['hlsReady', 'cats']);
    expect(await page.textContent('#playlist-count')).toBe('2 videos');
    await page.click('#playlist-edit summary');
    await shoot(page, 'playlist-edit');
    await page.fill('#playlist-edit-form input[name="name"]', 'Best of the weekend');
    await Promise.all([page.waitForNavigation(), page.click('#playlist-edit-form button[type="submit"]')]);
    expect(await page.textContent('#playlist-name')).toBe('Best of the weekend');
  });

  it('bob blocks anna from her channel, then unblocks her from his library', async () => {
    const { page } = bob;
    await page.goto(`${base}/u/anna`);
    await expect.poll(() => page.getAttribute('#block-btn', 'title')).toContain('Block anna');
    await page.click('#block-btn');
    await expect.poll(() => page.getAttribute('#block-btn', 'aria-pressed')).toBe('true');
    expect([...api.social.blocked]).toEqual(['anna']);
    await page.reload();
    await expect.poll(() => page.getAttribute('#block-btn', 'aria-pressed')).toBe('true');
    await page.goto(`${base}/library?tab=blocked`, { waitUntil: 'networkidle' });
    await page.click('button[data-unblock="anna"]');
    await expect.poll(() => page.locator('#blocked-list li').count()).toBe(0);
    expect(api.social.blocked.size).toBe(0);
  });
});
