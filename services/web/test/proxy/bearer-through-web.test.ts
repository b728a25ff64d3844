import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testDialects } from '@video/shared/testing';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type Stack } from '../stack.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/sample.mp4', import.meta.url));

interface Pair {
  access_token: string;
  refresh_token: string;
}

describe.each(testDialects())('access tokens through the web (%s)', (dialect) => {
  let stack: Stack;
  let pair: Pair;
  const name = `bearer_${dialect}_${Date.now().toString(36)}`;
  const mp4 = readFileSync(FIXTURE);
  const url = (path: string) => `${stack.webUrl}${path}`;
  const auth = (token = pair.access_token) => ({ authorization: `Bearer ${token}` });
  const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url(path), { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    stack = await startStack(dialect, { max_upload_mb: 1 });
    expect((await json('POST', '/api/user', { user_name: name, pwd: 'secret-pass' })).status).toBe(201);
    const res = await json('POST', '/api/tokens', { user_name: name, pwd: 'secret-pass' });
    expect(res.status).toBe(200);
    pair = (await res.json()) as Pair;
  });
  afterAll(async () => stack?.close());

  it('/api/* passes the token to the api; a bad one is 401 002', async () => {
    const res = await fetch(url('/api/session'), { headers: auth() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user_name: name });
    const bad = await fetch(url('/api/session'), { headers: auth('x.y.z') });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error_code: '002' });
  });

  it('the legacy POST /api envelope passes the token too', async () => {
    const res = await json('POST', '/api', { url: '/session', method: 'GET' }, auth());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user_name: name });
  });

  it('a bearer token beats a session cookie sent beside it', async () => {
    const other = `${name}_b`;
    const signup = await json('POST', '/signup', { user_name: other, pwd: 'secret-pass' });
    const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^session=/);
    const res = await fetch(url('/api/session'), { headers: { cookie, ...auth() } });
    expect(await res.json()).toMatchObject({ user_name: name });
  });

  it('uploads and watches a private video, multipart and tus, with the token', async () => {
    const created = await json('POST', `/api/user/${name}/videos`, { name: 'tokened', privacy: 'private' }, auth());
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(mp4)], { type: 'video/mp4' }), 'clip.mp4');
    const up = await fetch(url(`/upload/${id}`), { method: 'POST', body: form, headers: auth() });
    expect(up.status, await up.clone().text()).toBe(201);
    const watched = await fetch(url(`/videos/${id}`), { headers: auth() });
    expect(watched.status).toBe(200);
    expect(Buffer.from(await watched.arrayBuffer()).equals(mp4)).toBe(true);
    expect((await fetch(url(`/videos/${id}`))).status).toBe(404);

    const second = (await (await json('POST', `/api/user/${name}/videos`, { name: 'tus' }, auth())).json()) as { id: string };
    const tus = { 'tus-resumable': '1.0.0', ...auth() };
    const meta = `video_id ${Buffer.from(second.id).toString('base64')}`;
    const made = await fetch(url('/files/'), { method: 'POST', headers: { ...tus, 'upload-length': String(mp4.length), 'upload-metadata': meta } });
    expect(made.status, await made.clone().text()).toBe(201);
    const location = new URL(made.headers.get('location')!, stack.webUrl);
    const patched = await fetch(location, {
      method: 'PATCH',
      headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: new Uint8Array(mp4),
    });
    expect(patched.status, await patched.clone().text()).toBe(204);
  });

  it('refreshes through the web', async () => {
    const res = await json('POST', '/api/tokens/refresh', { refresh_token: pair.refresh_token });
    expect(res.status).toBe(200);
    pair = (await res.json()) as Pair;
    expect((await fetch(url('/api/session'), { headers: auth() })).status).toBe(200);
  });

  it('the notification socket: a good token keeps it open, a bad one gets it closed', async () => {
    const bell = (token: string) => new WebSocket(`${stack.webUrl.replace(/^http/, 'ws')}/api/notifications/ws`, { headers: auth(token) });
    const good = bell(pair.access_token);
    const bad = bell('bad');
    try {
      await new Promise<void>((resolve, reject) => {
        good.once('open', () => resolve());
        good.once('error', reject);
      });
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5_000);
        bad.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
        bad.once('error', () => undefined);
      });
      expect(closed).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(good.readyState).toBe(WebSocket.OPEN);
    } finally {
      good.terminate();
      bad.terminate();
    }
  });
});
