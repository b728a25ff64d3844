// /admin through the web against the real api: who may open it, and a moderator banning a user from
// the page in Chromium (keyboard only), with screenshots at desktop and 360 px.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { markVideoUploaded, type Db } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp as buildApi } from '@video/api';
import { announceBrowser, haveBrowser, openIsolated, type IsolatedBrowser } from './chromium.js';
import { buildWeb, listen } from './helper.js';

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

announceBrowser('Admin pages browser tests');

type Person = { name: string; sid: string };

describe('the /admin pages through the web', () => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let api: FastifyInstance;
  let web: FastifyInstance;
  let apiUrl = '';
  let base = '';
  let mod: Person;
  let plain: Person;
  let target: Person;
  let boss: Person;
  let video = '';

  const signUp = async (name: string): Promise<Person> => {
    const res = await fetch(`${apiUrl}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_name: name, pwd: 'secret-pwd' }) });
    expect(res.status).toBe(201);
    return { name, sid: ((await res.json()) as { session_id: string }).session_id };
  };
  const page = (url: string, who?: Person) => fetch(`${base}${url}`, { redirect: 'manual', headers: who ? { cookie: `session=${who.sid}` } : {} });

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb('sqlite'));
    api = await buildApi(testConfig({}), { db, logger: false });
    apiUrl = (await listen(api)).base;
    web = await buildWeb({ api_url: apiUrl, stream_url: apiUrl });
    base = (await listen(web)).base;
    mod = await signUp('moderator_mia');
    plain = await signUp('plain_pat');
    target = await signUp('spammer_sam');
    boss = await signUp('admin_ada');
    await db.kysely.updateTable('users').set({ role: 'moderator' }).where('user_name', '=', mod.name).execute();
    await db.kysely.updateTable('users').set({ role: 'admin' }).where('user_name', '=', boss.name).execute();
    const created = await fetch(`${apiUrl}/user/${target.name}/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': target.sid },
      body: JSON.stringify({ name: 'buy my stuff' }),
    });
    video = ((await created.json()) as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await web?.close();
    await api?.close();
    await closeDb?.();
  });

  it.each(['/admin/users', '/admin/videos', '/admin/tasks', '/admin/stats', '/admin/audit'])('%s: a visitor is sent to sign in, a user gets 403, a moderator the page', async (url) => {
    const visitor = await page(url);
    expect(visitor.status).toBe(302);
    expect(visitor.headers.get('location')).toBe(`/?next=${encodeURIComponent(url)}#auth`);
    const refused = await page(url, plain);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('This page is for moderators');
    const ok = await page(url, mod);
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('href="/admin/reports"');
    expect(html).toContain(`href="${url}" aria-current="page"`);
  });

  it('/admin goes to the users; the header links Admin for moderators only', async () => {
    const root = await page('/admin', mod);
    expect([root.status, root.headers.get('location')]).toEqual([302, '/admin/users']);
    expect(await (await page('/', mod)).text()).toContain('id="admin-link"');
    expect(await (await page('/', plain)).text()).not.toContain('id="admin-link"');
  });

  describe.skipIf(!haveBrowser)('in Chromium', () => {
    let browser: IsolatedBrowser;
    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await openIsolated('web-admin-', 10_000);
      await browser.context.addCookies([{ name: 'session', value: mod.sid, url: base }]);
    }, 60_000);
    afterAll(async () => browser?.close());

    it('a moderator finds a user, bans them with a reason from the keyboard, and their video is gone', async () => {
      const { page: tab } = browser;
      await tab.goto(`${base}/admin/users`);
      await tab.focus('#admin-q');
      await tab.keyboard.type('spammer');
      await tab.keyboard.press('Enter');
      await expect.poll(() => tab.locator('#admin-rows tr').count()).toBe(1);
      await tab.focus('[data-ban="spammer_sam"]');
      await tab.keyboard.press('Enter');
      expect(await tab.isVisible('#admin-dialog')).toBe(true);
      expect(await tab.evaluate(() => document.activeElement?.id)).toBe('admin-reason');
      await tab.keyboard.press('Tab'); // Cancel
      await tab.keyboard.press('Tab'); // Ban
      await tab.keyboard.press('Enter');
      expect(await tab.textContent('#admin-dialog-error')).toBe('Please give a reason.');
      await tab.keyboard.type('selling counterfeit goods');
      await tab.keyboard.press('Tab');
      await tab.keyboard.press('Tab');
      await tab.keyboard.press('Enter');
      await expect.poll(() => tab.textContent('[data-user="spammer_sam"] .badge')).toBe('banned: selling counterfeit goods');
      expect(await tab.textContent('#admin-status')).toBe('spammer_sam is banned.');
      expect((await fetch(`${apiUrl}/videos/${video}`)).status).toBe(404);
      expect((await fetch(`${apiUrl}/session`, { headers: { 'x-session-id': target.sid } })).status).toBe(401);
      await tab.screenshot({ path: path.join(SCREENSHOTS, 'admin-users.png'), fullPage: true });
      await tab.setViewportSize({ width: 360, height: 740 });
      await tab.waitForTimeout(150);
      expect(await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await tab.screenshot({ path: path.join(SCREENSHOTS, 'admin-users-phone.png'), fullPage: true });
      await tab.setViewportSize({ width: 1280, height: 800 });
      // A moderator sees no role select, and the audit page lists the ban.
      expect(await tab.locator('[data-role-of]').count()).toBe(0);
      await tab.goto(`${base}/admin/audit`);
      await expect.poll(() => tab.locator('#admin-rows tr').count()).toBe(1);
      expect(await tab.textContent('#admin-rows tr')).toContain('selling counterfeit goods');
      expect(browser.errors).toEqual([]);
    });

    it('an admin sets a role, takes a video down, retries a failed task and reads the stats', async () => {
      await browser.context.clearCookies();
      await browser.context.addCookies([{ name: 'session', value: boss.sid, url: base }]);
      const { page: tab } = browser;
      await tab.goto(`${base}/admin/users`);
      await tab.fill('#admin-q', 'plain');
      await tab.press('#admin-q', 'Enter');
      await expect.poll(() => tab.locator('#admin-rows tr').count()).toBe(1);
      await tab.selectOption('[data-role-of="plain_pat"]', 'moderator');
      await expect.poll(() => tab.textContent('#admin-status')).toBe('plain_pat is now moderator.');
      const session = (await (await fetch(`${apiUrl}/session`, { headers: { 'x-session-id': plain.sid } })).json()) as { role: string };
      expect(session.role).toBe('moderator');

      await tab.goto(`${base}/admin/videos`);
      await tab.fill('#admin-q', 'buy my');
      await tab.press('#admin-q', 'Enter');
      await expect.poll(() => tab.locator(`[data-video="${video}"]`).count()).toBe(1);
      // The unfiltered first page lists it too: wait for the search's own answer before focusing its row.
      await tab.waitForLoadState('networkidle');
      await tab.focus(`[data-video="${video}"] button`);
      await tab.keyboard.press('Enter');
      await tab.waitForSelector('#admin-dialog[open]');
      await tab.keyboard.type('counterfeit listing');
      await tab.click('#admin-dialog-ok');
      await expect.poll(() => tab.locator(`[data-video="${video}"]`).count()).toBe(0);
      const note = await db.kysely.selectFrom('notifications').select(['type', 'detail']).where('video_id', '=', video).executeTakeFirstOrThrow();
      expect(note).toEqual({ type: 'takedown', detail: 'counterfeit listing' });

      const res = await fetch(`${apiUrl}/user/${plain.name}/videos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': plain.sid },
        body: JSON.stringify({ name: 'broken upload' }),
      });
      const broken = ((await res.json()) as { id: string }).id;
      await markVideoUploaded(db.kysely, broken, { size: 10, content_type: 'video/mp4' }, Date.now());
      await db.kysely.updateTable('video_tasks').set({ state: 'failed', last_error: 'no moov atom' }).where('video_id', '=', broken).execute();
      await tab.goto(`${base}/admin/tasks`);
      await expect.poll(() => tab.locator(`[data-task="${broken}"]`).count()).toBe(1);
      expect(await tab.textContent(`[data-task="${broken}"]`)).toContain('no moov atom');
      await tab.click(`[data-task="${broken}"] button`);
      await expect.poll(() => tab.textContent('#admin-status')).toBe('Processing of “broken upload” is queued again.');
      expect((await db.kysely.selectFrom('video_tasks').select('state').where('video_id', '=', broken).executeTakeFirstOrThrow()).state).toBe('queued');

      await tab.goto(`${base}/admin/stats`);
      await expect.poll(() => tab.textContent('[data-stat="users"] dd')).toBe('4');
      expect(await tab.textContent('[data-stat="videos"] dd')).toBe('1');
      await tab.screenshot({ path: path.join(SCREENSHOTS, 'admin-stats.png') });
      expect(browser.errors).toEqual([]);
    });
  });
});
