import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowser, haveBrowser, openIsolated, type IsolatedBrowser } from './chromium.js';
import { startStack, type Stack } from './stack.js';

announceBrowser('Reports browser tests');

describe.skipIf(!haveBrowser)('in Chromium: reporting a video and deciding the report', () => {
  let stack: Stack;
  let reporter: IsolatedBrowser;
  let moderator: IsolatedBrowser;
  let owner: IsolatedBrowser;
  let videoId = '';
  const names = { owner: `owner_${Date.now().toString(36)}`, reporter: `rep_${Date.now().toString(36)}`, mod: `mod_${Date.now().toString(36)}` };
  const sessions: Record<string, string> = {};

  async function signUp(name: string): Promise<string> {
    const res = await fetch(`${stack.config.api_url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_name: name, pwd: 'secret-pwd' }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { session_id: string }).session_id;
  }
  async function browserOf(session: string): Promise<IsolatedBrowser> {
    const b = await openIsolated('web-reports-', 15_000);
    await b.context.addCookies([{ name: 'session', value: session, url: stack.webUrl }]);
    return b;
  }

  beforeAll(async () => {
    stack = await startStack('sqlite');
    for (const [k, n] of Object.entries(names)) sessions[k] = await signUp(n);
    await stack.db.kysely.updateTable('users').set({ role: 'moderator' }).where('user_name', '=', names.mod).execute();
    const res = await fetch(`${stack.config.api_url}/user/${names.owner}/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': sessions.owner! },
      body: JSON.stringify({ name: 'Reported sunset' }),
    });
    videoId = ((await res.json()) as { id: string }).id;
    reporter = await browserOf(sessions.reporter!);
    moderator = await browserOf(sessions.mod!);
    owner = await browserOf(sessions.owner!);
  }, 60_000);

  const setPolicy = async (policy: string) => {
    const res = await fetch(`${stack.config.api_url}/user/${names.owner}/videos/${videoId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-session-id': sessions.owner! },
      body: JSON.stringify({ comments_policy: policy }),
    });
    expect(res.status).toBe(200);
  };

  afterAll(async () => {
    for (const b of [reporter, moderator, owner]) await b?.close();
    await stack?.close();
  });

  it('the watch page reports the video from the keyboard; a second report says it is already open', async () => {
    const { page } = reporter;
    await page.goto(`${stack.webUrl}/v/${videoId}`);
    await page.focus('#report-video-btn');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.isVisible('#report-dialog')).toBe(true);
    await page.check('#report-dialog input[value=copyright]');
    await page.fill('#report-note', 'my own footage');
    await page.click('#report-send');
    await expect.poll(() => page.textContent('#report-status')).toMatch(/moderators will look/);
    await expect.poll(() => page.isVisible('#report-dialog'), { timeout: 5000 }).toBe(false);
    await page.click('#report-video-btn');
    await page.check('#report-dialog input[value=spam]');
    await page.click('#report-send');
    await expect.poll(() => page.textContent('#report-error')).toMatch(/already/);
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('#report-video-btn');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(reporter.errors).toEqual([]);
  });

  it('a plain user is refused /admin/reports; the moderator sees the report there and dismisses it', async () => {
    const refused = await reporter.page.goto(`${stack.webUrl}/admin/reports`);
    expect(refused?.status()).toBe(403);
    const { page } = moderator;
    await page.goto(`${stack.webUrl}/admin/reports`);
    const item = page.locator('#report-list li.report', { hasText: 'Reported sunset' });
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain('my own footage');
    expect(await item.textContent()).toContain(names.reporter);
    await item.locator('input').fill('fair use');
    await item.getByRole('button', { name: /^Dismiss/ }).click();
    await expect.poll(() => page.locator('#report-list li', { hasText: 'Dismissed' }).count()).toBe(1);
    await page.goto(`${stack.webUrl}/admin/reports?state=dismissed`);
    await expect.poll(() => page.locator('#report-list li.report', { hasText: 'fair use' }).count()).toBe(1);
    expect(moderator.errors).toEqual([]);
  });

  it('held comments: the author sees "waiting", the owner approves, others may report it; closed says so', async () => {
    await setPolicy('approval');
    const { page } = reporter;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${stack.webUrl}/v/${videoId}`);
    expect(await page.isVisible('#comments-approval')).toBe(true);
    await page.fill('#comment-input', 'a held thought');
    await page.click('#comment-form button[type=submit]');
    await expect.poll(() => page.textContent('#comment-form [data-error]')).toMatch(/once the owner approves/);
    const mine = page.locator('#comment-list li.comment', { hasText: 'a held thought' });
    await expect.poll(() => mine.locator('.badge-pending').count()).toBe(1);
    expect(await mine.locator('.comment-report').count()).toBe(0);

    const o = owner.page;
    await o.goto(`${stack.webUrl}/v/${videoId}`);
    const held = o.locator('#comment-list li.comment', { hasText: 'a held thought' });
    await expect.poll(() => held.locator('.comment-approve').count()).toBe(1);
    await held.locator('.comment-approve').click();
    await expect.poll(() => o.locator('#comment-list li.comment-pending').count()).toBe(0);
    await expect.poll(() => o.locator('#comment-list li.comment', { hasText: 'a held thought' }).count()).toBe(1);

    const m = moderator.page;
    await m.goto(`${stack.webUrl}/v/${videoId}`);
    const approved = m.locator('#comment-list li.comment', { hasText: 'a held thought' });
    await expect.poll(() => approved.locator('.comment-report').count()).toBe(1);
    await approved.locator('.comment-report').click();
    await m.check('#report-dialog input[value=hateful]');
    await m.click('#report-send');
    await expect.poll(() => m.textContent('#report-status')).toMatch(/moderators will look/);

    await setPolicy('closed');
    await page.reload();
    expect(await page.isVisible('#comments-closed')).toBe(true);
    expect(await page.isVisible('#comment-form')).toBe(false);
    await o.reload();
    expect(await o.isVisible('#comment-form')).toBe(true);
    expect([...reporter.errors, ...owner.errors, ...moderator.errors]).toEqual([]);
  });
});
