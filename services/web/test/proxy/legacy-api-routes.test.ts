import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { envelopePath } from '../../src/proxy/legacy-api-routes.js';
import { buildWeb, deadPort, startFakeApi, startUpstream, type FakeApi, type Upstream } from '../helper.js';

let api: FakeApi;
let evil: Upstream;
let evilHits = 0;
let web: FastifyInstance;

beforeAll(async () => {
  api = await startFakeApi();
  // Another host the envelopes name: it must never be contacted.
  evil = await startUpstream((app) => {
    app.addHook('onRequest', async () => {
      evilHits++;
    });
    app.all('/*', async () => ({ evil: true }));
  });
  web = await buildWeb({ api_url: api.url });
});
afterAll(async () => {
  await web?.close();
  await api?.close();
  await evil?.close();
});

const envelope = (body: unknown, headers: Record<string, string> = {}) =>
  web.inject({ method: 'POST', url: '/api', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });

describe('POST /api: 4xx branches', () => {
  it.each([
    ['no method', { url: '/user/a' }],
    ['empty method', { url: '/user/a', method: '' }],
    ['PUT', { url: '/user/a', method: 'PUT' }],
    ['PATCH', { url: '/user/a', method: 'PATCH' }],
    ['method not a string', { url: '/user/a', method: 1 }],
    ['no url', { method: 'GET' }],
    ['empty url', { url: '', method: 'GET' }],
    ['url not a string', { url: ['/user/a'], method: 'GET' }],
    ['a javascript: url', { url: 'javascript:alert(1)', method: 'GET' }],
    ['a file: url', { url: 'file:///etc/passwd', method: 'GET' }],
    ['req_body not JSON text', { url: '/user', method: 'POST', req_body: '{"user_name":' }],
    ['req_body a number', { url: '/user', method: 'POST', req_body: 12 }],
    ['an array envelope', [1, 2]],
  ])('%s → 400 001', async (_name, body) => {
    const res = await envelope(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: '001', error: expect.any(String) });
  });
});

describe('POST /api: only ever the api', () => {
  it.each([
    ['an absolute url of another host', (p: number) => `http://127.0.0.1:${p}/user/a/videos?limit=3`],
    ['https and another host', (p: number) => `https://127.0.0.1:${p}/user/a/videos?limit=3`],
    ['a protocol-relative url', (p: number) => `//127.0.0.1:${p}/user/a/videos?limit=3`],
    ['backslashes', (p: number) => `\\\\127.0.0.1:${p}\\user\\a\\videos?limit=3`],
    ['a mixed slash', (p: number) => `/\\127.0.0.1:${p}/user/a/videos?limit=3`],
    ['credentials in the url', (p: number) => `http://api@127.0.0.1:${p}/user/a/videos?limit=3`],
    ['a plain path', () => '/user/a/videos?limit=3'],
    ['a path without a slash', () => 'user/a/videos?limit=3'],
    ['the original style (api address)', () => 'http://127.0.0.1:9003/user/a/videos?limit=3'],
  ])('%s: path and query go to the api', async (_name, makeUrl) => {
    const before = evilHits;
    const res = await envelope({ url: makeUrl(evil.port), method: 'GET' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ method: 'GET', url: '/user/a/videos?limit=3' });
    expect(evilHits).toBe(before);
  });

  it('never yields a path that names a host', () => {
    for (const url of ['//evil/x', '///evil/x', '\\\\evil\\x', 'http://a//evil/x', '/%2F%2Fevil/x', '  //evil/x ']) {
      const path = envelopePath(url);
      expect(path.startsWith('/')).toBe(true);
      expect(path.startsWith('//')).toBe(false);
    }
  });

  it('sends req_body given as JSON text or as an object, and only on POST', async () => {
    const text = await envelope({ url: '/videos/v/comments', method: 'POST', req_body: '{"content":"hi"}' });
    expect(text.json()).toMatchObject({ method: 'POST', body: '{"content":"hi"}' });
    expect(text.json().headers['content-type']).toBe('application/json');
    const obj = await envelope({ url: '/videos/v/comments', method: 'post', req_body: { content: 'hi' } });
    expect(obj.json()).toMatchObject({ method: 'POST', body: '{"content":"hi"}' });
    const del = await envelope({ url: '/videos/v/comment/c', method: 'DELETE', req_body: '{"x":1}' });
    expect(del.json()).toMatchObject({ method: 'DELETE', body: '' });
  });

  it('takes the session from X-Session-Id, else from the cookie', async () => {
    const byHeader = await envelope({ url: '/x', method: 'GET' }, { 'x-session-id': 'hdr', cookie: 'session=ck' });
    expect(byHeader.json().headers['x-session-id']).toBe('hdr');
    const byCookie = await envelope({ url: '/x', method: 'GET' }, { cookie: 'session=ck' });
    expect(byCookie.json().headers['x-session-id']).toBe('ck');
    const none = await envelope({ url: '/x', method: 'GET' });
    expect(none.json().headers['x-session-id']).toBeUndefined();
  });

  it("passes the api's status, body and Retry-After through", async () => {
    const res = await envelope({ url: '/status/429', method: 'GET' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({ error: 'status 429', error_code: '006' });
    const signIn = await envelope({ url: '/user/nobody', method: 'POST', req_body: '{"user_name":"nobody","pwd":"secret1"}' });
    expect(signIn.statusCode).toBe(401);
  });

  it('answers 503 011 when the api is down', async () => {
    const down = await buildWeb({ api_url: `http://127.0.0.1:${await deadPort()}` });
    try {
      const res = await down.inject({ method: 'POST', url: '/api', payload: { url: '/user/a', method: 'GET' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error_code).toBe('011');
    } finally {
      await down.close();
    }
  });
});
