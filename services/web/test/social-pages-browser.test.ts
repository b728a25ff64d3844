import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowser, haveBrowser, type IsolatedBrowser } from './chromium.js';
import { personWith, shoot, startScriptedSite, type ScriptedSite } from './screenshots.js';

announceBrowser('Social pages browser tests');

describe.skipIf(!haveBrowser)('in Chromium: the social pages against a scripted api', () => {
  let site: ScriptedSite;
  let api: ScriptedSite['api'];
  let base = '';
  let anna: IsolatedBrowser;
  let bob: IsolatedBrowser;
  const bobSends = (content: string) =>
    fetch(`${base}/api/user/bob/messages`, { method: 'POST', headers: { cookie: 'session=bob-session', 'content-type': 'application/json' }, body: JSON.stringify({ to: 'anna', content }) });

  beforeAll(async () => {
    site = await startScriptedSite();
    ({ api, base } = site);
    [anna, bob] = [await personWith(base, 'owner-session', 'web-social-'), await personWith(base, 'bob-session', 'web-social-')];
  }, 60_000);

  afterAll(async () => {
    for (const p of [anna, bob]) await p?.close();
    await site?.close();
  });

  it('the bell shows the unread count, rises live, opens from the keyboard, marks read, and Escape returns focus', async () => {
    const { page } = anna;
    await page.goto(`${base}/`);
    await expect.poll(() => page.textContent('#bell-count')).toBe('1');
    await expect.poll(() => api.social.sockets.get('anna')?.size ?? 0).toBe(1);
    expect((await bobSends('Are you there?')).status).toBe(201);
    await expect.poll(() => page.textContent('#bell-count')).toBe('2');
    await page.focus('#bell-btn');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#bell-btn', 'aria-expanded')).toBe('true');
    await expect.poll(() => page.locator('#bell-list li').count()).toBe(2);
    expect(await page.textContent('#bell-list li:first-child a')).toBe('bob sent you a message');
    await expect.poll(() => page.isVisible('#bell-count')).toBe(false);
    await shoot(page, 'bell');
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#bell-panel')).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('bell-btn');
    expect(api.social.notifications.every((n) => n.read)).toBe(true);
  });

  it('a message sent from one browser shows up live in the other’s open thread and list', async () => {
    await anna.page.goto(`${base}/messages?with=bob`);
    await expect.poll(() => anna.page.locator('#thread-list .msg').count()).toBe(2);
    await expect.poll(() => api.social.sockets.get('anna')?.size ?? 0).toBe(1);
    await bob.page.goto(`${base}/messages?with=anna`);
    await bob.page.fill('#message-input', 'Yes! <b>here</b>');
    await bob.page.keyboard.press('Control+Enter');
    await expect.poll(() => bob.page.locator('#thread-list .msg-mine').count()).toBe(3);
    await expect.poll(() => anna.page.locator('#thread-list .msg-text').last().textContent()).toBe('Yes! <b>here</b>');
    expect(await anna.page.locator('#thread-list b').count()).toBe(0);
    await shoot(anna.page, 'messages');
  });

  it('on the watch page: favorite and follow toggle, and "Save to playlist" creates a list with the video', async () => {
    const { page } = bob;
    await page.goto(`${base}/v/cats`);
    await page.click('#favorite-btn');
    await expect.poll(() => page.getAttribute('#favorite-btn', 'aria-pressed')).toBe('true');
    expect(await page.textContent('#favorite-label')).toBe('Favorited');
    await page.click('#follow-btn');
    await expect.poll(() => page.getAttribute('#follow-btn', 'aria-pressed')).toBe('true');
    expect(api.social.following.has('anna')).toBe(true);
    await page.focus('#save-btn');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#save-dialog[open]');
    await expect.poll(() => page.textContent('#save-status')).toBe('No playlists yet: create one below.');
    await page.fill('#new-playlist-name', 'Later');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#save-list input:checked').count()).toBe(1);
    expect(api.social.playlists.find((p) => p.name === 'Later')?.videos).toEqual(['cats']);
    await shoot(page, 'save-dialog');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('save-btn');
  });

  it('comments: pinned first with a badge, @mentions as links, replies expand, reply and edit own', async () => {
    const { page } = bob;
    await page.goto(`${base}/v/cats`);
    const first = page.locator('#comment-list > li').first();
    await expect.poll(() => first.getAttribute('data-id')).toBe('c1');
    expect(await first.locator('.badge-pinned').textContent()).toBe('Pinned');
    expect(await first.locator('.comment-text > a.mention').getAttribute('href')).toBe('/u/bob');
    expect(await first.locator('.comment-text').textContent()).toBe('Welcome! Ask @bob about the <dogs>.');
    await first.locator('.replies-toggle').click();
    expect(await first.locator('.replies-toggle').getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => first.locator('.replies .comment-text').allTextContents()).toEqual(['They are friendly.']);
    await first.locator('.comment-reply').first().click();
    await page.keyboard.type('Thanks @anna!');
    await first.locator('.reply-form button[type=submit]').click();
    await expect.poll(() => first.locator('.replies .comment-text').count()).toBe(2);
    const mine = page.locator('#comment-list > li[data-id="c2"]');
    await mine.locator('.comment-edit-btn').click();
    await mine.locator('textarea.comment-edit').fill('Great video @anna, thank you.');
    await mine.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => mine.locator('.comment-text').first().textContent()).toBe('Great video @anna, thank you.');
    expect(await mine.locator('.comment-edited').first().textContent()).toBe(' (edited)');
    await shoot(page, 'watch-social');
  });

  it('the owner pins another comment: it moves first', async () => {
    const { page } = anna;
    await page.goto(`${base}/v/cats`);
    const c2 = page.locator('#comment-list > li[data-id="c2"]');
    await c2.locator('.comment-pin').click();
    await expect.poll(() => page.locator('#comment-list > li').first().getAttribute('data-id')).toBe('c2');
  });

  it('the feed, For you, a channel with its followers and a playlist that plays in order', async () => {
    const { page } = anna;
    api.social.following.add('bob');
    await page.goto(`${base}/feed`);
    expect(await page.locator('#video-grid a.vcard').count()).toBe(2);
    await shoot(page, 'feed');
    await page.goto(`${base}/?sort=foryou`);
    expect(await page.textContent('.vcard-reason')).toBe('because you follow <bob>');
    await shoot(page, 'home-for-you');
    await bob.page.goto(`${base}/u/anna`);
    await expect.poll(() => bob.page.getAttribute('#follow-btn', 'aria-pressed')).toBe('true');
    await shoot(bob.page, 'channel-follows');
    await page.goto(`${base}/playlists/pl1`);
    await shoot(page, 'playlist');
    await page.click('#play-all');
    await page.waitForURL('**/v/cats?list=pl1');
    expect(await page.getAttribute('#queue-list a[aria-current="true"]', 'href')).toBe('/v/cats?list=pl1');
    await shoot(page, 'watch-playlist');
    expect([...anna.errors, ...bob.errors]).toEqual([]);
  });
});
