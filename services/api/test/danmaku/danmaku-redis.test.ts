import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig, testDialects, TEST_REDIS_URL, redisForTests } from '@video/shared/testing';
import { buildApp } from '../../src/app.js';
import { TestViewer, buildDanmakuApp, seedUser, seedVideo, type SeededUser } from '../fixtures/danmaku-fixtures.js';

const REDIS = TEST_REDIS_URL;
const reachable = await redisForTests('Redis danmaku tests');

describe.skipIf(!reachable).each(testDialects())('danmaku across two api instances through Redis (%s)', (dialect) => {
  // One namespace per run, removed afterwards, so parallel runs and leftovers never meet.
  const prefix = `test-danmaku-${randomBytes(6).toString('hex')}:`;
  let db: Db;
  let closeDb: () => Promise<void>;
  let one: FastifyInstance;
  let two: FastifyInstance;
  let baseOne: string;
  let baseTwo: string;
  let owner: SeededUser;
  const viewers: TestViewer[] = [];

  const open = async (base: string, video: string) => {
    const v = await TestViewer.open(base, video);
    viewers.push(v);
    return v;
  };

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb(dialect));
    const config = testConfig({ redis_url: `${REDIS}/0?prefix=${encodeURIComponent(prefix)}`, danmaku_rate_limit: 5 });
    one = await buildApp(config, { db, logger: false });
    two = await buildApp(config, { db, logger: false });
    baseOne = await one.listen({ port: 0, host: '127.0.0.1' });
    baseTwo = await two.listen({ port: 0, host: '127.0.0.1' });
    owner = await seedUser(db);
  });
  afterAll(async () => {
    await Promise.all(viewers.map((v) => v.close()));
    await one?.close();
    await two?.close();
    const redis = new Redis(REDIS);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    await closeDb?.();
  });

  it('a viewer on one instance sees danmaku posted on the other; counts include both', async () => {
    const video = await seedVideo(db, owner.id);
    const onOne = await open(baseOne, video);
    await onOne.count(1);
    const onTwo = await open(baseTwo, video);
    await onTwo.count(2);
    await onOne.count(2);
    for (const base of [baseOne, baseTwo]) {
      expect(await (await fetch(`${base}/videos/${video}/viewers`)).json()).toEqual({ viewers: 2 });
    }

    const res = await fetch(`${baseTwo}/danmaku/v3/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': owner.session },
      body: JSON.stringify({ id: video, time: 4, text: 'across <instances>', color: 255, type: 0 }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()).data;
    expect(await onOne.next((m) => m.type === 'danmaku', 1000)).toEqual({
      type: 'danmaku',
      id,
      data: [4, 0, 255, owner.name, 'across &lt;instances&gt;'],
    });
    await onTwo.next((m) => m.type === 'danmaku' && m.id === id, 1000);

    // Leaving on one instance is seen on the other.
    await onTwo.close();
    await onOne.count(1);
    expect(await (await fetch(`${baseTwo}/videos/${video}/viewers`)).json()).toEqual({ viewers: 1 });
    const batch = await fetch(`${baseTwo}/viewers?ids=${video}`);
    expect(await batch.json()).toEqual({ viewers: { [video]: 1 } });
  });

  it('shares the per-user rate limit between the instances', async () => {
    const video = await seedVideo(db, owner.id);
    const user = await seedUser(db);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${i % 2 ? baseTwo : baseOne}/danmaku/v3/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': user.session },
        body: JSON.stringify({ id: video, time: i, text: `n${i}`, color: 0, type: 0 }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('keeps its keys under the configured prefix', async () => {
    const redis = new Redis(REDIS);
    try {
      const video = await seedVideo(db, owner.id);
      const v = await open(baseOne, video);
      await v.count(1);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toContain(`${prefix}danmaku:viewers:${video}`);
      expect(await redis.keys(`video:danmaku:viewers:${video}`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

/** A TCP relay to Redis that the test can cut and restore, to play an outage. */
class CuttableRelay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe.skipIf(!reachable)('danmaku rooms recover when Redis comes back', () => {
  const prefix = `test-danmaku-${randomBytes(6).toString('hex')}:`;
  const relay = new CuttableRelay(new URL(REDIS));
  let db: Db;
  let closeDb: () => Promise<void>;
  let apps: FastifyInstance[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
    await relay.down();
    const redis = new Redis(REDIS);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    await closeDb?.();
  });

  it('a viewer who joined during the outage is counted and reached once Redis is back', async () => {
    ({ db, close: closeDb } = await openTestDb('sqlite'));
    await relay.up();
    const config = testConfig({ redis_url: `redis://127.0.0.1:${relay.port}/0?prefix=${encodeURIComponent(prefix)}` });
    const live = { viewerTtlMs: 5000, sweepIntervalMs: 200 };
    apps = [await buildDanmakuApp(config, db, { live }), await buildDanmakuApp(config, db, { live })];
    const [one, two] = apps as [FastifyInstance, FastifyInstance];
    const baseOne = await one.listen({ port: 0, host: '127.0.0.1' });
    const baseTwo = await two.listen({ port: 0, host: '127.0.0.1' });
    const owner = await seedUser(db);
    const video = await seedVideo(db, owner.id);

    await relay.down();
    const viewer = await TestViewer.open(baseOne, video);
    try {
      // Posting still works while Redis is away.
      const during = await fetch(`${baseTwo}/danmaku/v3/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': owner.session },
        body: JSON.stringify({ id: video, time: 1, text: 'during', color: 0, type: 0 }),
      });
      expect(during.status).toBe(200);

      await relay.up();
      await viewer.count(1, 8000);
      const after = await fetch(`${baseTwo}/danmaku/v3/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': owner.session },
        body: JSON.stringify({ id: video, time: 2, text: 'after', color: 0, type: 0 }),
      });
      expect(after.status).toBe(200);
      await viewer.next((m) => m.type === 'danmaku' && (m.data as unknown[])[4] === 'after', 3000);
    } finally {
      await viewer.close();
    }
  });
});
