import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisForTests, testDialects, TEST_REDIS_URL } from '@video/shared/testing';
import { buildApp } from '../../src/app.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { TestViewer } from '../fixtures/danmaku-fixtures.js';
import { Bell } from '../notifications/notification-client.js';
import { ROOMY_LIMITS, publish, type User } from '../fixtures/public-site.js';
import { adminCall, ban, ok, unban, userWithRole } from './admin-fixtures.js';

/** The close code a ban sends (services/api/src/admin/account-events.ts); the session sweep's is 4401. */
const BANNED = 4403;

async function bellClosed(bell: Bell, timeoutMs: number): Promise<void> {
  await bell.until(() => bell.closeCode !== undefined, timeoutMs, 'the bell closing');
}

describe.each(testDialects())('a ban on one instance, %s', (dialect) => {
  let t: TestApp;
  let base: string;
  let mod: User;
  let video: string;
  const open: { close(): void }[] = [];

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    mod = await userWithRole(t, 'moderator', 'mod');
    video = (await publish(t, await signUp(t.app, uniqueName('owner')), { name: 'live room' })).id;
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await t?.close();
  });

  it('closes the banned user’s danmaku and notification sockets at once; nobody else’s', async () => {
    const target = await signUp(t.app, uniqueName('target'));
    const bystander = await signUp(t.app, uniqueName('bystander'));
    const headers = { 'x-session-id': target.sid };
    const room = await TestViewer.open(base, video, { headers });
    const bell = await Bell.open(base, headers);
    const visitor = await TestViewer.open(base, video);
    const otherBell = await Bell.open(base, { 'x-session-id': bystander.sid });
    open.push({ close: () => room.ws.close() }, bell, { close: () => visitor.ws.close() }, otherBell);
    const started = Date.now();
    await ban(t, mod, target, 'flooding');
    await room.closedByServer(1000);
    await bellClosed(bell, 1000);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(room.closeCode).toBe(BANNED);
    expect(bell.closeCode).toBe(BANNED);
    expect(visitor.closed).toBe(false);
    expect(otherBell.closeCode).toBeUndefined();
    // Their session is gone: a new socket is refused before the upgrade.
    await expect(Bell.open(base, headers)).rejects.toThrow(/401/);
  });

  it('sign-in: 403 005 with the reason for the right password; a wrong one stays 401 002; back after the unban', async () => {
    const target = await signUp(t.app, uniqueName('signin'), 'right-password');
    await ban(t, mod, target, 'repeated harassment');
    const signIn = (pwd: string) => t.app.inject({ method: 'POST', url: `/user/${target.name}`, payload: { user_name: target.name, pwd } });
    const refused = await signIn('right-password');
    expectError(refused, 403, '005');
    expect(refused.json().error).toContain('repeated harassment');
    expectError(await signIn('wrong-password'), 401, '002');
    await unban(t, mod, target);
    expect(ok<{ session_id: string }>(await signIn('right-password')).session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a moderator’s danmaku delete reaches the live room', async () => {
    const viewer = await TestViewer.open(base, video);
    open.push({ close: () => viewer.ws.close() });
    const poster = await signUp(t.app, uniqueName('poster'));
    const res = await t.app.inject({ method: 'POST', url: '/danmaku/v3/', headers: { 'x-session-id': poster.sid }, payload: { id: video, time: 1, text: 'gone soon', color: 255, type: 0 } });
    const id = ok<{ data: { id: string } }>(res).data.id;
    await viewer.next((m) => m.type === 'danmaku' && m.id === id);
    expect((await adminCall(t, 'DELETE', `/admin/danmaku/${id}`, mod.sid)).statusCode).toBe(204);
    await viewer.next((m) => m.type === 'delete' && m.id === id);
  });
});

const reachable = await redisForTests('Redis ban tests');

describe.skipIf(!reachable).each(testDialects())('a ban across two api instances through Redis, %s', (dialect) => {
  const prefix = `test-ban-${randomBytes(6).toString('hex')}:`;
  let a: TestApp;
  let b: FastifyInstance;
  let baseB: string;

  beforeAll(async () => {
    a = await buildTestApp(dialect, { ...ROOMY_LIMITS, redis_url: `${TEST_REDIS_URL}?prefix=${encodeURIComponent(prefix)}` });
    // A second full api on the same database: it hears of the ban only through Redis.
    b = await buildApp(a.config, { db: a.db, logger: false });
    baseB = await b.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('a ban made on instance A closes the user’s sockets on instance B within a second', async () => {
    const mod = await userWithRole(a, 'moderator', 'mod');
    const owner = await signUp(a.app, uniqueName('owner'));
    const video = (await publish(a, owner, { name: 'room on B' })).id;
    const target = await signUp(a.app, uniqueName('target'));
    const headers = { 'x-session-id': target.sid };
    const room = await TestViewer.open(baseB, video, { headers });
    const bell = await Bell.open(baseB, headers);
    try {
      await ban(a, mod, target, 'spam');
      await room.closedByServer(1000);
      await bellClosed(bell, 1000);
      expect([room.closeCode, bell.closeCode]).toEqual([BANNED, BANNED]);
    } finally {
      room.ws.close();
      bell.close();
    }
  });
});
