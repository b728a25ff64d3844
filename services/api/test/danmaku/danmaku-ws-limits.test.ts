import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { MAX_WS_PAYLOAD } from '../../src/danmaku/danmaku-plugin.js';
import { TestViewer, buildDanmakuApp, seedUser, seedVideo } from '../fixtures/danmaku-fixtures.js';

describe('the live WebSocket: frame size and sockets per address, real ws clients', () => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let video: string;
  let viewers: TestViewer[] = [];

  const open = async (headers: Record<string, string> = {}) => {
    const v = await TestViewer.open(base, video, { headers });
    viewers.push(v);
    return v;
  };

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb('sqlite'));
    app = await buildDanmakuApp(testConfig({ ws_max_per_address: 3 }), db);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    video = await seedVideo(db, (await seedUser(db)).id);
  });
  afterEach(async () => {
    await Promise.all(viewers.map((v) => v.close()));
    viewers = [];
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
  });

  it('a frame larger than a danmaku message closes the socket with 1009; a small one does not', async () => {
    const small = await open();
    small.ws.send('x'.repeat(MAX_WS_PAYLOAD - 100));
    small.send({ type: 'ping' });
    await small.next((m) => m.type === 'pong');
    expect(small.closed).toBe(false);

    const big = await open();
    big.ws.send('x'.repeat(1024 * 1024));
    await big.closedByServer();
    expect(big.closeCode).toBe(1009);
  });

  it('caps sockets per client address at ws_max_per_address; others and freed slots still open', async () => {
    const mine = [await open(), await open(), await open()];
    await expect(TestViewer.open(base, video)).rejects.toThrow(/upgrade refused: 429/);
    // Another client behind the trusted loopback proxy has its own share.
    const other = await open({ 'x-forwarded-for': '203.0.113.40' });
    expect(other.closed).toBe(false);
    await mine[0]!.close();
    // The server counts the slot free once it has seen the close.
    let reopened: TestViewer | undefined;
    for (let i = 0; i < 50 && !reopened; i++) {
      reopened = await open().catch(() => undefined);
      if (!reopened) await new Promise((r) => setTimeout(r, 20));
    }
    expect(reopened).toBeDefined();
  });

  it('several upgrades at once never exceed the cap', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => TestViewer.open(base, video, { headers: { 'x-forwarded-for': '198.51.100.3' } })));
    const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    viewers.push(...opened);
    // Upgrades over the cap are either refused (429) or closed at once (1013): wait for those closes.
    for (let i = 0; i < 100 && opened.filter((v) => !v.closed).length > 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(opened.filter((v) => !v.closed)).toHaveLength(3);
    for (const v of opened.filter((v) => v.closed)) expect(v.closeCode).toBe(1013);
  });
});
