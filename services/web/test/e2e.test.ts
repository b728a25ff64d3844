import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { startStack, type Stack } from './stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sample.mp4', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';

describe.each(testDialects())('the whole site through the web (%s)', (dialect) => {
  let stack: Stack;
  let url: (path: string) => string;
  let cookie = '';
  const user = `e2e_${dialect}`;
  const mp4 = readFileSync(FIXTURE);

  beforeAll(async () => {
    stack = await startStack(dialect, { max_upload_mb: 1 });
    url = (path) => `${stack.webUrl}${path}`;
  });
  afterAll(async () => stack?.close());

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(url(path), {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const upload = (videoId: string, data: Buffer, name = 'clip.mp4', type = 'video/mp4') => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(data)], { type }), name);
    return fetch(url(`/upload/${videoId}`), { method: 'POST', body: form, headers: { cookie } });
  };

  it('runs the journey: sign up, upload, stream, comment, delete, sign out', async () => {
    // Sign up through the web: the session lives in the cookie only.
    const signup = await send('POST', '/signup', { user_name: user, pwd: 'secret-pass' });
    expect(signup.status).toBe(201);
    expect(await signup.json()).toEqual({ success: true, user_name: user });
    const setCookie = signup.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    cookie = setCookie.split(';')[0];

    const front = await send('GET', '/');
    expect(front.status).toBe(200);
    expect(await front.text()).toContain(`<span id="user-name">${user}</span>`);
    const home = await send('GET', '/userhome');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain(`<span id="user-name">${user}</span>`);

    // A video record, then its file through the proxy.
    const created = await send('POST', `/api/user/${user}/videos`, { name: XSS });
    expect(created.status).toBe(201);
    const video = await created.json();
    expect(video).toMatchObject({ name: XSS, upload_state: 'pending' });

    const stored = await upload(video.id, mp4);
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ success: true, id: video.id, size: mp4.length });

    const list = await (await send('GET', `/api/user/${user}/videos?limit=5`)).json();
    expect(list.videos.map((v: { id: string }) => v.id)).toEqual([video.id]);
    expect(list.videos[0].upload_state).toBe('ready');
    expect(list.next_cursor).toBeNull();

    // Streaming through the proxy: whole, ranged, conditional.
    const whole = await fetch(url(`/videos/${video.id}`));
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(mp4)).toBe(true);
    const etag = whole.headers.get('etag')!;
    const part = await fetch(url(`/videos/${video.id}`), { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${mp4.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(mp4.subarray(100, 200))).toBe(true);
    const cached = await fetch(url(`/videos/${video.id}`), { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);

    // Comments.
    const posted = await send('POST', `/api/videos/${video.id}/comments`, { content: `nice ${XSS}` });
    expect(posted.status).toBe(201);
    const comment = await posted.json();
    expect(comment).toMatchObject({ author: user, content: `nice ${XSS}` });
    const comments = await (await send('GET', `/api/videos/${video.id}/comments`)).json();
    expect(comments.comments.map((c: { id: string }) => c.id)).toEqual([comment.id]);
    expect((await send('DELETE', `/api/videos/${video.id}/comment/${comment.id}`)).status).toBe(204);
    expect((await (await send('GET', `/api/videos/${video.id}/comments`)).json()).comments).toEqual([]);

    // The legacy envelope reaches the same api whatever host its url names.
    const legacy = await send('POST', '/api', { url: `http://127.0.0.1:1/user/${user}/videos`, method: 'GET' });
    expect(legacy.status).toBe(200);
    expect((await legacy.json()).videos).toHaveLength(1);

    // Delete: gone at once from listings and from the stream server.
    expect((await send('DELETE', `/api/user/${user}/videos/${video.id}`)).status).toBe(204);
    expect((await (await send('GET', `/api/user/${user}/videos`)).json()).videos).toEqual([]);
    expect((await fetch(url(`/videos/${video.id}`))).status).toBe(404);

    // Sign out kills the session for every service.
    const out = await send('POST', '/signout');
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('session='))).toMatch(/^session=;/);
    expect((await send('GET', '/api/session')).status).toBe(401);
    expect((await send('GET', '/userhome')).headers.get('location')).toBe('/');
    cookie = '';
  });

  it('passes the stream server’s 413, 415 and 401 for uploads through', async () => {
    const signup = await send('POST', '/signup', { user_name: `${user}_up`, pwd: 'secret-pass' });
    cookie = signup.headers.getSetCookie().find((c) => c.startsWith('session='))!.split(';')[0];
    const video = await (await send('POST', `/api/user/${user}_up/videos`, { name: 'clip' })).json();

    const notVideo = await upload(video.id, Buffer.from('just some text, not a video at all'), 'notes.mp4');
    expect(notVideo.status).toBe(415);
    expect((await notVideo.json()).error_code).toBe('010');

    // max_upload_mb is 1 here: a 1.5 MiB file that starts like an MP4.
    const big = Buffer.concat([mp4.subarray(0, 64), Buffer.alloc(1.5 * 1024 * 1024)]);
    const tooBig = await upload(video.id, big);
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error_code).toBe('009');

    const listed = await (await send('GET', `/api/user/${user}_up/videos/${video.id}`)).json();
    expect(listed.upload_state).toBe('pending');

    cookie = '';
    const anonymous = await upload(video.id, mp4);
    expect(anonymous.status).toBe(401);
  });

  it('sign-in errors come from the api unchanged', async () => {
    const wrong = await send('POST', '/signin', { user_name: user, pwd: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error_code).toBe('002');
    const taken = await send('POST', '/signup', { user_name: user, pwd: 'secret-pass' });
    expect(taken.status).toBe(409);
    expect((await taken.json()).error_code).toBe('007');
    const bad = await send('POST', '/signup', { user_name: 'no spaces', pwd: 'secret-pass' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error_code).toBe('001');
    const ok = await send('POST', '/signin', { user_name: user, pwd: 'secret-pass' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ success: true, user_name: user });
  });

  it('reports every dependency healthy', async () => {
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', api: 'ok', stream: 'ok' });
  });
});
