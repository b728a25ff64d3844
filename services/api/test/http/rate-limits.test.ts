import { afterEach, describe, expect, it } from 'vitest';
import { LocalWindowLimiter } from '../../src/http/window-limiter.js';
import { buildTestApp, createVideo, expectError, signUp, uniqueName, type TestApp } from '../helper.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const signUpFrom = (app: TestApp['app'], forwardedFor: string) =>
  app.inject({ method: 'POST', url: '/user', payload: { user_name: uniqueName(), pwd: 'secret1' }, headers: { 'x-forwarded-for': forwardedFor } });

const signInFrom = (app: TestApp['app'], name: string, pwd: string, address: string, body?: unknown) =>
  app.inject({
    method: 'POST',
    url: `/user/${encodeURIComponent(name)}`,
    payload: (body ?? { user_name: name, pwd }) as Record<string, unknown>,
    headers: { 'x-forwarded-for': address },
  });

describe('the client address per-address limits key on', () => {
  it('trusted_proxies ["127.0.0.1"]: X-Forwarded-For from loopback is the client', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 2, trusted_proxies: ['127.0.0.1'] });
    expect((await signUpFrom(t.app, '1.2.3.4')).statusCode).toBe(201);
    expect((await signUpFrom(t.app, '1.2.3.4')).statusCode).toBe(201);
    expectError(await signUpFrom(t.app, '1.2.3.4'), 429, '008');
    // Keyed as 1.2.3.4, not as the loopback peer: another forwarded client is untouched.
    expect((await signUpFrom(t.app, '5.6.7.8')).statusCode).toBe(201);
    // The first untrusted hop counts, not whatever the client prepended.
    expectError(await signUpFrom(t.app, '9.9.9.9, 1.2.3.4'), 429, '008');
  });

  it('trusted_proxies []: a spoofed X-Forwarded-For is ignored', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 2, trusted_proxies: [] });
    expect((await signUpFrom(t.app, '10.0.0.1')).statusCode).toBe(201);
    expect((await signUpFrom(t.app, '10.0.0.2')).statusCode).toBe(201);
    expectError(await signUpFrom(t.app, '10.0.0.3'), 429, '008');
  });

  it('two IPv6 addresses in one /64 share a counter; another /64 does not', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 2 });
    expect((await signUpFrom(t.app, '2001:db8:1:2::1')).statusCode).toBe(201);
    expect((await signUpFrom(t.app, '2001:db8:1:2:ffff:1:2:3')).statusCode).toBe(201);
    expectError(await signUpFrom(t.app, '2001:db8:1:2::abcd'), 429, '008');
    expect((await signUpFrom(t.app, '2001:db8:1:3::1')).statusCode).toBe(201);
  });
});

describe('sign-in lockout', () => {
  it('junk bodies and successes never count; a flood from one address does not lock the user out elsewhere', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 3 });
    const victim = await signUp(t.app, uniqueName('victim'), 'right-pwd');
    for (let i = 0; i < 20; i++) {
      expectError(await signInFrom(t.app, victim.name, '', '203.0.113.66', { nonsense: i }), 400, '001');
    }
    for (let i = 0; i < 5; i++) expect((await signInFrom(t.app, victim.name, 'right-pwd', '203.0.113.1')).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expectError(await signInFrom(t.app, victim.name, 'wrong-pwd', '203.0.113.66'), 401, '002');
    const limited = await signInFrom(t.app, victim.name, 'right-pwd', '203.0.113.66');
    expectError(limited, 429, '008');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signInFrom(t.app, victim.name, 'right-pwd', '198.51.100.7')).statusCode).toBe(200);
  });

  it('parallel guesses cannot outrun the count: fewer than twice the limit get a password check', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 3 });
    const victim = await signUp(t.app, uniqueName('victim'), 'right-pwd');
    const app = t.app;
    const statuses = await Promise.all(Array.from({ length: 40 }, () => signInFrom(app, victim.name, 'wrong-pwd', '203.0.113.44').then((r) => r.statusCode)));
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThan(2 * 3);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // Nothing stays counted as in flight once the answers are out.
    const ok = await Promise.all(Array.from({ length: 3 }, () => signInFrom(app, victim.name, 'right-pwd', '203.0.113.45').then((r) => r.statusCode)));
    expect(ok).toEqual([200, 200, 200]);
    for (let i = 0; i < 3; i++) expect((await signInFrom(app, victim.name, 'right-pwd', '203.0.113.45')).statusCode).toBe(200);
  });

  it('an unknown name counts as a failure like a wrong password', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 2 });
    const name = uniqueName('ghost');
    for (let i = 0; i < 2; i++) expectError(await signInFrom(t.app, name, 'wrong-pwd', '203.0.113.5'), 401, '002');
    expectError(await signInFrom(t.app, name, 'wrong-pwd', '203.0.113.5'), 429, '008');
  });

  it('one name failing from many addresses hits the per-name ceiling (10×)', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 2 });
    const victim = await signUp(t.app, uniqueName('victim'), 'right-pwd');
    for (let a = 0; a < 10; a++) {
      for (let i = 0; i < 2; i++) expectError(await signInFrom(t.app, victim.name, 'wrong-pwd', `192.0.2.${a + 1}`), 401, '002');
    }
    expectError(await signInFrom(t.app, victim.name, 'right-pwd', '192.0.2.99'), 429, '008');
  });

  it('5,000 junk names from many addresses do not reset the victim’s counter', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 3 });
    const victim = await signUp(t.app, uniqueName('victim'), 'right-pwd');
    for (let i = 0; i < 3; i++) expectError(await signInFrom(t.app, victim.name, 'wrong-pwd', '203.0.113.9'), 401, '002');
    const app = t.app;
    for (let batch = 0; batch < 100; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          return signInFrom(app, `junk${n}`, 'wrong-pwd', `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`).then((r) => r.statusCode);
        }),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    expectError(await signInFrom(t.app, victim.name, 'right-pwd', '203.0.113.9'), 429, '008');
  });

  it('past the key bound a new key is refused, never an old counter dropped', async () => {
    t = await buildTestApp('sqlite', { signin_rate_limit: 3 }, { rateLimits: { maxKeys: 20 } });
    const victim = await signUp(t.app, uniqueName('victim'), 'right-pwd');
    for (let i = 0; i < 3; i++) expectError(await signInFrom(t.app, victim.name, 'wrong-pwd', '203.0.113.9'), 401, '002');
    for (let n = 0; n < 40; n++) await signInFrom(t.app, `junk${n}`, 'wrong-pwd', `10.1.0.${n}`);
    expectError(await signInFrom(t.app, victim.name, 'right-pwd', '203.0.113.9'), 429, '008');
    expectError(await signInFrom(t.app, 'brand_new', 'wrong-pwd', '10.2.0.1'), 429, '008');
  });
});

describe('LocalWindowLimiter', () => {
  it('keeps every live counter however many keys arrive, and sweeps expired ones', async () => {
    let now = 1_000_000;
    const limiter = new LocalWindowLimiter({ name: 'x', max: 2, windowMs: 1000 }, 100, () => now);
    try {
      expect(await limiter.take('victim')).toBe(0);
      expect(await limiter.take('victim')).toBe(0);
      for (let i = 0; i < 5000; i++) await limiter.take(`junk${i}`);
      expect(limiter.size).toBe(100);
      expect(await limiter.take('victim')).toBe(1000);
      now += 1001;
      expect(await limiter.take('fresh')).toBe(0);
      expect(limiter.size).toBe(1);
      expect(await limiter.take('victim')).toBe(0);
    } finally {
      limiter.close();
    }
  });

  it('record counts over the limit and the wait follows the newest hits', async () => {
    let now = 0;
    const limiter = new LocalWindowLimiter({ name: 'x', max: 2, windowMs: 1000 }, 100, () => now);
    try {
      await limiter.record('k');
      now = 100;
      await limiter.record('k');
      now = 200;
      await limiter.record('k');
      expect(await limiter.wait('k')).toBe(900);
      expect(await limiter.take('k')).toBe(900);
    } finally {
      limiter.close();
    }
  });
});

describe('per-user limits', () => {
  it('comments: comment_rate_limit a minute per user, then 429 008 with Retry-After', async () => {
    t = await buildTestApp('sqlite', { comment_rate_limit: 2 });
    const a = await signUp(t.app);
    const b = await signUp(t.app);
    const video = await createVideo(t.app, a);
    const post = (sid: string) =>
      t!.app.inject({ method: 'POST', url: `/videos/${video.id}/comments`, headers: { 'x-session-id': sid }, payload: { content: 'hi' } });
    expect((await post(a.sid)).statusCode).toBe(201);
    expect((await post(a.sid)).statusCode).toBe(201);
    const limited = await post(a.sid);
    expectError(limited, 429, '008');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await post(b.sid)).statusCode).toBe(201);
  });

  it('video creation: video_create_rate_limit an hour per user', async () => {
    t = await buildTestApp('sqlite', { video_create_rate_limit: 2 });
    const a = await signUp(t.app);
    const b = await signUp(t.app);
    await createVideo(t.app, a);
    await createVideo(t.app, a);
    const limited = await t.app.inject({
      method: 'POST',
      url: `/user/${a.name}/videos`,
      headers: { 'x-session-id': a.sid },
      payload: { name: 'one more' },
    });
    expectError(limited, 429, '008');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(60);
    await createVideo(t.app, b);
  });

  it('danmaku: danmaku_rate_limit a minute per user', async () => {
    t = await buildTestApp('sqlite', { danmaku_rate_limit: 2 });
    const a = await signUp(t.app);
    const video = await createVideo(t.app, a);
    const post = () =>
      t!.app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: { 'x-session-id': a.sid },
        payload: { id: video.id, author: a.name, time: 1, text: 'hi', color: 16777215, type: 0 },
      });
    expect((await post()).statusCode).toBe(200);
    expect((await post()).statusCode).toBe(200);
    const limited = await post();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error_code: '008' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(10);
  });
});
