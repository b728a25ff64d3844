import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWeb, deadPort, sessionSetCookie, startFakeApi, type FakeApi } from '../helper.js';

let api: FakeApi;
let web: FastifyInstance;

beforeAll(async () => {
  api = await startFakeApi();
  web = await buildWeb({ api_url: api.url });
});
afterAll(async () => {
  await web?.close();
  await api?.close();
});

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('POST /signup and /signin: 4xx branches', () => {
  it.each([
    ['/signup', 'no body', 400, '001', { headers: { 'content-type': 'application/json' }, payload: '' }],
    ['/signup', 'bad JSON', 400, '001', { headers: { 'content-type': 'application/json' }, payload: '{"user_name":' }],
    ['/signup', 'no pwd', 400, '001', json({ user_name: 'anna' })],
    ['/signup', 'pwd not a string', 400, '001', json({ user_name: 'anna', pwd: 123456 })],
    ['/signup', 'invalid name (api decides)', 400, '001', json({ user_name: 'a b', pwd: 'secret1' })],
    ['/signup', 'short pwd (api decides)', 400, '001', json({ user_name: 'anna', pwd: '123' })],
    ['/signin', 'no user_name', 400, '001', json({ pwd: 'secret1' })],
    ['/signin', 'unknown user', 401, '002', json({ user_name: 'nobody', pwd: 'secret1' })],
    ['/signup', 'text/plain body', 400, '001', { headers: { 'content-type': 'text/plain' }, payload: 'x' }],
    ['/signup', 'XML body', 415, '010', { headers: { 'content-type': 'application/xml' }, payload: '<a/>' }],
  ])('%s %s → %i %s', async (url, _name, status, code, req) => {
    const res = await web.inject({ method: 'POST', url, ...req });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error_code: code, error: expect.any(String) });
    expect(sessionSetCookie(res.headers)).toBeUndefined();
  });

  it('passes a 409 through with the api body', async () => {
    api.users.set('taken', 'secret1');
    const res = await web.inject({ method: 'POST', url: '/signup', ...json({ user_name: 'taken', pwd: 'secret1' }) });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'user name already taken', error_code: '007' });
  });

  it('passes a 429 through with Retry-After', async () => {
    const res = await web.inject({ method: 'POST', url: '/signup', ...json({ user_name: 'slow-down', pwd: 'secret1' }) });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(res.json().error_code).toBe('008');
  });

  it('a wrong password is 401 from the api', async () => {
    api.users.set('bob', 'right-one');
    const res = await web.inject({ method: 'POST', url: '/signin', ...json({ user_name: 'bob', pwd: 'wrong-one' }) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'wrong user name or password', error_code: '002' });
  });
});

describe('sign-up, sign-in and sign-out', () => {
  it('sign-up sets an HttpOnly SameSite=Lax cookie and never returns the session id', async () => {
    const res = await web.inject({ method: 'POST', url: '/signup', ...json({ user_name: '张三', pwd: 'secret1' }) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ success: true, user_name: '张三' });
    expect(res.body).not.toMatch(/session/);
    const cookie = sessionSetCookie(res.headers)!;
    expect(cookie).toMatch(/^session=[0-9a-f-]{36};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    const id = /^session=([^;]+)/.exec(cookie)![1];
    expect(api.sessions.get(id)).toBe('张三');
    // The api saw the client's address for its per-address limit.
    const call = api.seen.findLast((s) => s.url === '/user')!;
    expect(call.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('sign-in answers 200 and sets the cookie', async () => {
    api.users.set('carol', 'secret1');
    const res = await web.inject({ method: 'POST', url: '/signin', ...json({ user_name: 'carol', pwd: 'secret1' }) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, user_name: 'carol' });
    expect(sessionSetCookie(res.headers)).toMatch(/^session=[0-9a-f-]{36};/);
    expect(api.seen.findLast((s) => s.method === 'POST')!.url).toBe('/user/carol');
  });

  it('sign-in encodes the name into the api path', async () => {
    api.users.set('dé.v', 'secret1');
    const res = await web.inject({ method: 'POST', url: '/signin', ...json({ user_name: 'dé.v', pwd: 'secret1' }) });
    expect(res.statusCode).toBe(200);
    expect(api.seen.findLast((s) => s.method === 'POST')!.url).toBe('/user/d%C3%A9.v');
  });

  it('accepts an urlencoded form and answers JSON to a script', async () => {
    const res = await web.inject({
      method: 'POST',
      url: '/signup',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'user_name=erin&pwd=secret1',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ success: true, user_name: 'erin' });
  });

  it('redirects a plain form navigation (303) to /userhome, or back home with the error code', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml' };
    const ok = await web.inject({ method: 'POST', url: '/signup', headers: form, payload: 'user_name=frank&pwd=secret1' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/userhome');
    expect(sessionSetCookie(ok.headers)).toBeDefined();
    const bad = await web.inject({ method: 'POST', url: '/signin', headers: form, payload: 'user_name=frank&pwd=nope-nope' });
    expect(bad.statusCode).toBe(303);
    // Only the code travels in the address; the home page turns it into its own text.
    expect(bad.headers.location).toBe('/?form=signin&error=002');
    const page = await web.inject({ url: bad.headers.location as string });
    expect(page.body).toContain('Wrong user name or password.');
  });

  it('sign-out kills the session, clears the cookie and answers 204', async () => {
    const res = await web.inject({ method: 'POST', url: '/signup', ...json({ user_name: 'gina', pwd: 'secret1' }) });
    const id = /^session=([^;]+)/.exec(sessionSetCookie(res.headers)!)![1];
    const out = await web.inject({ method: 'POST', url: '/signout', cookies: { session: id } });
    expect(out.statusCode).toBe(204);
    const cleared = sessionSetCookie(out.headers)!;
    expect(cleared).toMatch(/^session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(api.sessions.has(id)).toBe(false);
    expect(api.seen.findLast((s) => s.method === 'DELETE')!.headers['x-session-id']).toBe(id);
    // Already dead, or no session at all: still 204 and the cookie goes.
    const again = await web.inject({ method: 'POST', url: '/signout', cookies: { session: id } });
    expect(again.statusCode).toBe(204);
    const none = await web.inject({ method: 'POST', url: '/signout' });
    expect(none.statusCode).toBe(204);
    expect(sessionSetCookie(none.headers)).toMatch(/^session=;/);
  });

  it('sign-out from a form redirects home', async () => {
    const res = await web.inject({
      method: 'POST',
      url: '/signout',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: '',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});

describe('cookie_secure and a missing api', () => {
  it('adds Secure when cookie_secure is on', async () => {
    const secure = await buildWeb({ api_url: api.url, cookie_secure: true });
    try {
      const res = await secure.inject({ method: 'POST', url: '/signup', ...json({ user_name: 'hank', pwd: 'secret1' }) });
      expect(res.statusCode).toBe(201);
      expect(sessionSetCookie(res.headers)).toMatch(/; Secure/);
      const out = await secure.inject({ method: 'POST', url: '/signout' });
      expect(sessionSetCookie(out.headers)).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });

  it('answers 503 011 quickly when the api is down, and sign-out still clears the cookie', async () => {
    const down = await buildWeb({ api_url: `http://127.0.0.1:${await deadPort()}` });
    try {
      const started = Date.now();
      const res = await down.inject({ method: 'POST', url: '/signin', ...json({ user_name: 'ivy', pwd: 'secret1' }) });
      expect(res.statusCode).toBe(503);
      expect(res.json().error_code).toBe('011');
      expect(Date.now() - started).toBeLessThan(3_000);
      const out = await down.inject({ method: 'POST', url: '/signout', cookies: { session: 'x' } });
      expect(out.statusCode).toBe(503);
      expect(sessionSetCookie(out.headers)).toMatch(/^session=;/);
    } finally {
      await down.close();
    }
  });
});
