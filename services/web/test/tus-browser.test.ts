import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { announceBrowser, haveBrowser, launchChromium } from './chromium.js';
import { startStack, type Stack } from './stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sample.mp4', import.meta.url));
const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

announceBrowser('Resumable-upload browser test');

// Runs with or without a browser: the proxy's side of the protocol.
describe('tus through the web proxy', () => {
  let stack: Stack;
  let cookie = '';
  const user = `tusproxy_${Date.now().toString(36)}`;
  const tus = { 'tus-resumable': '1.0.0' };

  beforeAll(async () => {
    stack = await startStack('sqlite', { max_upload_mb: 8 });
  }, 60_000);
  afterAll(async () => stack?.close());

  const send = (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer | string) =>
    fetch(url.startsWith('http') ? url : `${stack.webUrl}${url}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)),
    });

  it('creates with the session cookie, points Location at the web, resumes and serves the file', async () => {
    const signup = await send('POST', '/signup', { 'content-type': 'application/json' }, JSON.stringify({ user_name: user, pwd: 'secret-pass' }));
    expect(signup.status).toBe(201);
    cookie = signup.headers.getSetCookie().find((c) => c.startsWith('session='))!.split(';')[0];
    const video = await send('POST', `/api/user/${user}/videos`, { 'content-type': 'application/json' }, JSON.stringify({ name: 'via web' }));
    expect(video.status).toBe(201);
    const videoId = ((await video.json()) as { id: string }).id;

    const options = await send('OPTIONS', '/files/');
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-max-size')).toBe(String(8 * MiB));

    const file = Buffer.concat([readFileSync(FIXTURE), randomBytes(3 * MiB)]);
    const created = await send('POST', '/files/', {
      ...tus,
      'upload-length': String(file.length),
      'upload-metadata': `video_id ${Buffer.from(videoId).toString('base64')}`,
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${stack.webUrl}/files/[0-9a-f]{32}$`));

    const half = 2 * MiB;
    const octets = { ...tus, 'content-type': 'application/offset+octet-stream' };
    const first = await send('PATCH', location, { ...octets, 'upload-offset': '0' }, file.subarray(0, half));
    expect(first.status).toBe(204);
    const head = await send('HEAD', location, tus);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    const wrong = await send('PATCH', location, { ...tus, 'content-type': 'text/plain', 'upload-offset': String(half) }, 'x');
    expect(wrong.status).toBe(415);
    expect(await wrong.json()).toMatchObject({ error_code: '010' });
    const rest = await send('PATCH', location, { ...octets, 'upload-offset': String(half) }, file.subarray(half));
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(file.length));

    const got = await send('GET', `/videos/${videoId}`);
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(file));

    // Without the cookie the proxy adds no session: 401 in the contract's shape.
    cookie = '';
    const anonymous = await send('HEAD', location, tus);
    expect(anonymous.status).toBe(401);
  });

  it('serves tus-js-client from this site', async () => {
    const res = await send('GET', '/statics/vendor/tus.min.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).toContain('tus');
  });
});

describe.skipIf(!haveBrowser)('in Chromium: a resumable upload survives a reload', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  let bigFile: string;
  let bytes: Buffer;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const user = `resumer_${Date.now().toString(36)}`;

  beforeAll(async () => {
    stack = await startStack('sqlite', { max_upload_mb: 64 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tus-browser-'));
    // Two and a half chunks: a real container's head, then noise. A file on disk (not a buffer)
    // keeps its modification time, so choosing it again after the reload is the same file.
    bytes = Buffer.concat([readFileSync(FIXTURE), randomBytes(2 * CHUNK + CHUNK / 2)]);
    bigFile = path.join(dir, 'holiday.mp4');
    writeFileSync(bigFile, bytes);
    context = await launchChromium(path.join(dir, 'profile'));
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.type());
      await dialog.accept();
    });
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
      pageErrors.push(`blocked request to another host: ${route.request().url()}`);
      return route.abort();
    });
  }, 60_000);

  afterAll(async () => {
    // Leave the page first: its player may be streaming the new video through the web, and a
    // proxied stream cut by the web's own shutdown can keep the stream server from closing.
    await page?.goto('about:blank').catch(() => undefined);
    await context?.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pauses, resumes, reloads halfway, offers the unfinished upload and finishes it byte for byte', async () => {
    await page.goto(`${stack.webUrl}/`);
    await page.click('#tab-signup');
    await page.fill('#signup-form input[name=user_name]', user);
    await page.fill('#signup-form input[name=pwd]', 'secret-pass');
    await Promise.all([page.waitForURL('**/userhome'), page.click('#signup-form button[type=submit]')]);

    // Every PATCH after the first is held until the test lets it go: the upload stops at one chunk.
    const held: Route[] = [];
    let patches = 0;
    let holding = true;
    await page.route('**/files/*', async (route) => {
      if (route.request().method() === 'PATCH' && ++patches > 1 && holding) {
        held.push(route);
        return;
      }
      await route.continue();
    });
    const requests: { method: string; url: string; offset: string | null; phase: string }[] = [];
    let phase = 'before reload';
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/files')) {
        requests.push({ method: req.method(), url: req.url(), offset: req.headers()['upload-offset'] ?? null, phase });
      }
    });
    const created = page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/files/');

    await page.click('#open-upload');
    await page.fill('#upload-name', 'Holiday, the long cut');
    await page.setInputFiles('#upload-file', bigFile);
    await page.click('#upload-submit');

    // Created through the web: Location points at the web's origin.
    const createdRes = await created;
    expect(createdRes.status()).toBe(201);
    expect(await createdRes.headerValue('location')).toMatch(new RegExp(`^${stack.webUrl}/files/[0-9a-f]{32}$`));

    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.textContent('#upload-percent')).toMatch(/^[1-9][0-9]?%$/);
    expect(await page.isVisible('#upload-pause')).toBe(true);

    // Pause stops sending; Resume asks the server for its offset and goes on (into the next hold).
    await page.click('#upload-pause');
    await expect.poll(() => page.textContent('#upload-pause')).toBe('Resume');
    expect(await page.textContent('#upload-speed')).toBe('Paused');
    await page.click('#upload-pause');
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(2);
    expect(requests.filter((r) => r.method === 'HEAD').length).toBeGreaterThanOrEqual(1);

    // Reload mid-upload: the page asks first (beforeunload), then the held request dies with it.
    phase = 'after reload';
    holding = false;
    await page.reload();
    await page.unroute('**/files/*');
    for (const route of held) await route.abort().catch(() => undefined);
    expect(dialogs).toContain('beforeunload');

    // The page offers the unfinished upload, naming the file and how far it got.
    const offer = page.locator('#tus-unfinished .tus-unfinished-item');
    await expect.poll(() => offer.count(), { timeout: 20_000 }).toBe(1);
    const fraction = Math.floor((CHUNK / bytes.length) * 100);
    expect(await offer.first().textContent()).toContain(`holiday.mp4, ${fraction}%`);
    await offer.first().locator('button', { hasText: 'Continue' }).click();
    await page.waitForSelector('#upload-dialog[open]');
    await expect.poll(() => page.textContent('#upload-resume-hint')).toContain(`continue from ${fraction}%`);
    expect(await page.inputValue('#upload-name')).toBe('Holiday, the long cut');

    await page.setInputFiles('#upload-file', bigFile);
    await page.click('#upload-submit');
    await expect.poll(() => page.textContent('#upload-status'), { timeout: 30_000 }).toBe('Uploaded!');
    await page.click('#upload-close');
    await page.waitForSelector('#upload-dialog[open]', { state: 'detached' });

    // It went on from the stored offset: no new upload, no byte sent twice.
    const after = requests.filter((r) => r.phase === 'after reload');
    expect(after.filter((r) => r.method === 'POST')).toEqual([]);
    const firstPatch = after.find((r) => r.method === 'PATCH');
    expect(firstPatch?.offset).toBe(String(CHUNK));

    const videoId = await page.getAttribute('#video-list li', 'data-id');
    const res = await fetch(`${stack.webUrl}/videos/${videoId}`);
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bytes));
    // Finished uploads are forgotten by the browser too.
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tus::')));
    expect(stored).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
