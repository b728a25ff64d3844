import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects, TEST_REDIS_URL, redisForTests } from '@video/shared/testing';
import { createAnnounceJob } from '../../../scheduler/src/announce/announce-job.js';
import { buildTestApp, signUp, uniqueName, type TestApp } from '../helper.js';
import { publish } from '../fixtures/public-site.js';
import { Bell, buildNotificationsApp } from './notification-client.js';

const reachable = await redisForTests('Redis notification tests');

describe.skipIf(!reachable).each(testDialects())('notifications across two api instances through Redis (%s)', (dialect) => {
  // One namespace per run, removed afterwards.
  const prefix = `test-notify-${randomBytes(6).toString('hex')}:`;
  let a: TestApp;
  let b: FastifyInstance;
  let baseA: string;
  let baseB: string;
  const bells: Bell[] = [];

  beforeAll(async () => {
    a = await buildTestApp(dialect, { redis_url: `${TEST_REDIS_URL}?prefix=${encodeURIComponent(prefix)}` });
    baseA = await a.app.listen({ port: 0, host: '127.0.0.1' });
    // Instance B hears of nothing in-process: whatever reaches its sockets came through Redis.
    b = await buildNotificationsApp(a.config, a.db);
    baseB = await b.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const bell of bells) bell.close();
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

  it('a message sent through instance A reaches the recipient’s sockets on A and B within 1 s, once each', async () => {
    const sender = await signUp(a.app, uniqueName('s'));
    const recipient = await signUp(a.app, uniqueName('r'));
    const onB = await Bell.open(baseB, { 'x-session-id': recipient.sid });
    const onA = await Bell.open(baseA, { 'x-session-id': recipient.sid });
    const senderBell = await Bell.open(baseB, { 'x-session-id': sender.sid });
    bells.push(onA, onB, senderBell);
    const started = Date.now();
    const res = await fetch(`${baseA}/user/${sender.name}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': sender.sid },
      body: JSON.stringify({ to: recipient.name, content: 'across instances' }),
    });
    expect(res.status).toBe(201);
    const pushed = await onB.next((m) => m.type === 'message');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(pushed).toMatchObject({ type: 'message', actor: { id: sender.id, user_name: sender.name }, count: 1, unread_count: 1 });
    await onA.next((m) => m.id === pushed.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(onB.messages).toHaveLength(1);
    expect(onA.messages).toHaveLength(1);
    expect(senderBell.messages).toEqual([]);
  });

  it('a new video announced by the scheduler reaches a follower’s socket on B within 1 s', async () => {
    const channel = await signUp(a.app, uniqueName('ch'));
    const fan = await signUp(a.app, uniqueName('fan'));
    await a.db.kysely.insertInto('follows').values({ follower_id: fan.id, followee_id: channel.id, time: Date.now() }).execute();
    const bell = await Bell.open(baseB, { 'x-session-id': fan.sid });
    bells.push(bell);
    const video = await publish(a, channel, { name: 'fresh upload' });
    const noop = () => undefined;
    const log = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop, child: () => log } as never;
    const job = createAnnounceJob({ db: a.db, log, config: a.config });
    const started = Date.now();
    try {
      await job.run(new AbortController().signal);
    } finally {
      await job.close?.();
    }
    const got = await bell.next((m) => m.type === 'new_video');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(got).toMatchObject({ actor: { id: channel.id }, video: { id: video.id, name: 'fresh upload' }, unread_count: 1 });
  });

  it('keeps its channels under the configured prefix', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const user = await signUp(a.app, uniqueName('p'));
      bells.push(await Bell.open(baseB, { 'x-session-id': user.sid }));
      const channels = await redis.pubsub('CHANNELS', `${prefix}notifications:user:*`);
      expect(channels).toContain(`${prefix}notifications:user:${user.id}`);
    } finally {
      redis.disconnect();
    }
  });
});
