import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_TEMPLATES_DIR } from '../../src/app.js';
import { GENERIC_FORM_ERROR } from '../../src/edge/edge-rules.js';
import { buildWeb, deadPort, sessionSetCookie, startFakeApi, startFakeStream, type FakeApi, type FakeStream } from '../helper.js';

let api: FakeApi;
let stream: FakeStream;
let web: FastifyInstance;
const XSS = '<img src=x onerror=alert(1)>';

beforeAll(async () => {
  api = await startFakeApi();
  stream = await startFakeStream();
  web = await buildWeb({ api_url: api.url, stream_url: stream.url });
  api.sessions.set('good-session', 'anna');
  // Names can't hold markup through the real api, but the page must not trust that.
  api.sessions.set('xss-session', XSS);
});
afterAll(async () => {
  await web?.close();
  await api?.close();
  await stream?.close();
});

/** Every src/href in a page stays on this site. */
function expectOnlyLocalAssets(html: string) {
  const refs = [...html.matchAll(/\b(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]);
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) expect(ref).toMatch(/^\/(?!\/)/);
}

describe('GET /', () => {
  it('shows the sign-in and register forms with a strict CSP and no caching', async () => {
    const res = await web.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.body).toContain('id="signin-form"');
    expect(res.body).toContain('id="signup-form"');
    expect(res.body).not.toMatch(/<script>(?!<\/script>)|\son\w+="/);
    expectOnlyLocalAssets(res.body);
  });

  it('redirects a valid session to /userhome', async () => {
    const res = await web.inject({ url: '/', cookies: { session: 'good-session' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/userhome');
    expect(api.seen.findLast((s) => s.url === '/session')!.headers['x-session-id']).toBe('good-session');
  });

  it('shows the home page for a stale cookie and removes it', async () => {
    const res = await web.inject({ url: '/', cookies: { session: 'stale' } });
    expect(res.statusCode).toBe(200);
    expect(sessionSetCookie(res.headers)).toMatch(/^session=;/);
  });

  it('shows the fixed text of a known error code, on the right form', async () => {
    const res = await web.inject({ url: '/?form=signup&error=007' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/id="signup-form"[\s\S]*?data-error>That user name is already taken\.</);
    expect(res.body).toMatch(/id="signin-form"[^>]*hidden/);
  });

  it.each([
    ['markup', XSS],
    ['an official-looking notice', 'Your account is suspended: call +1 555 0100'],
    ['an unknown code', '999'],
  ])('never shows the query text itself (%s): a generic text instead', async (_name, text) => {
    const res = await web.inject({ url: `/?form=signin&error=${encodeURIComponent(text)}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(GENERIC_FORM_ERROR);
    expect(res.body).not.toContain(text);
    expect(res.body).not.toContain('&lt;img');
  });

  it.each([
    ['form=admin', '/?form=admin'],
    ['a long error', `/?error=${'x'.repeat(600)}`],
  ])('rejects %s with 400', async (_name, url) => {
    const res = await web.inject({ url });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe('001');
  });
});

describe('GET /userhome', () => {
  it('redirects to / without a session', async () => {
    const res = await web.inject({ url: '/userhome' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/');
  });

  it('redirects to / with a stale session and clears the cookie', async () => {
    const res = await web.inject({ url: '/userhome', cookies: { session: 'stale' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/');
    expect(sessionSetCookie(res.headers)).toMatch(/^session=;/);
  });

  it('shows the user page with the name, the player, the upload dialog and sign-out', async () => {
    const res = await web.inject({ url: '/userhome', cookies: { session: 'good-session' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('<span id="user-name">anna</span>');
    expect(res.body).toContain('data-user="anna"');
    expect(res.body).toContain('src="/statics/vendor/DPlayer.min.js"');
    expect(res.body).toContain('id="upload-dialog"');
    expect(res.body).toContain('action="/signout"');
    expectOnlyLocalAssets(res.body);
  });

  it('escapes the user name everywhere', async () => {
    const res = await web.inject({ url: '/userhome', cookies: { session: 'xss-session' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain('data-user="&lt;img src=x onerror=alert(1)&gt;"');
  });

  it('loads one entry module and its stylesheets by name: a script dropped into statics is not loaded', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'web-templates-'));
    try {
      cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
      writeFileSync(path.join(dir, 'statics/js/danmaku-layer.js'), 'export {};\n');
      writeFileSync(path.join(dir, 'statics/css/danmaku-extra.css'), '.x{}\n');
      const withExtra = await buildWeb({ api_url: api.url }, { templatesDir: dir });
      try {
        const res = await withExtra.inject({ url: '/userhome', cookies: { session: 'good-session' } });
        const modules = [...res.body.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => m[1]);
        expect(modules).toEqual(['/statics/js/userhome.js']);
        expect(res.body).toContain('<link rel="stylesheet" href="/statics/css/danmaku.css">');
        expect(res.body).toContain('<link rel="stylesheet" href="/statics/css/tus-upload.css">');
        expect(res.body).not.toContain('danmaku-layer.js');
        expect(res.body).not.toContain('danmaku-extra.css');
        const home = await withExtra.inject({ url: '/' });
        expect(home.body).not.toContain('danmaku');
      } finally {
        await withExtra.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statics', () => {
  it.each([
    ['/statics/css/site.css', /^text\/css/],
    ['/statics/js/userhome.js', /javascript/],
    ['/statics/js/upload.js', /javascript/],
    ['/statics/js/home.js', /javascript/],
    ['/statics/img/logo.svg', /^image\/svg\+xml/],
    ['/statics/vendor/DPlayer.min.js', /javascript/],
  ])('serves %s', async (url, type) => {
    const res = await web.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    '/statics/../userhome.eta',
    '/statics/%2e%2e/userhome.eta',
    '/statics/vendor/../../package.json',
    '/statics/vendor/DPlayer.js',
    '/statics/vendor/%2e%2e/package.json',
    '/statics/nothing.js',
  ])('does not serve %s', async (url) => {
    const res = await web.inject({ url });
    expect([403, 404]).toContain(res.statusCode);
    expect(res.body).not.toMatch(/"name":\s*"dplayer"|<%/);
  });

  it('page scripts never put data into innerHTML', async () => {
    const scripts = readdirSync(path.join(DEFAULT_TEMPLATES_DIR, 'statics/js')).filter((f) => f.endsWith('.js'));
    expect(scripts).toEqual(expect.arrayContaining(['userhome.js', 'upload.js', 'home.js', 'dom.js', 'http.js']));
    for (const file of scripts) {
      const res = await web.inject({ url: `/statics/js/${file}` });
      expect(res.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});

describe('when the api is down', () => {
  let down: FastifyInstance;
  beforeAll(async () => {
    const port = await deadPort();
    down = await buildWeb({ api_url: `http://127.0.0.1:${port}`, stream_url: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => down?.close());

  it('the user page is a friendly 503 page', async () => {
    const res = await down.inject({ url: '/userhome', cookies: { session: 'good-session' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('right back');
  });

  it('the home page still shows, with a notice', async () => {
    const res = await down.inject({ url: '/', cookies: { session: 'good-session' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('cannot reach its services');
  });

  it('/healthz stays 200 and reports the dependencies', async () => {
    const res = await down.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', api: 'unavailable', stream: 'unavailable' });
  });
});

it('/healthz reports reachable dependencies', async () => {
  const res = await web.inject({ url: '/healthz' });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 'ok', api: 'ok', stream: 'ok' });
});
