import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { TestViewer, buildDanmakuApp, seedUser, seedVideo, type SeededUser } from '../fixtures/danmaku-fixtures.js';

describe.each(testDialects())('danmaku live rooms, real sockets (%s)', (dialect) => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let owner: SeededUser;
  let viewers: TestViewer[] = [];

  const open = async (video: string) => {
    const v = await TestViewer.open(base, video);
    viewers.push(v);
    return v;
  };
  const post = (user: SeededUser, body: Record<string, unknown>) =>
    fetch(`${base}/danmaku/v3/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': user.session },
      body: JSON.stringify({ time: 3, text: 'hi', color: 0xffffff, type: 0, ...body }),
    });

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb(dialect));
    app = await buildDanmakuApp(testConfig(), db);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    owner = await seedUser(db);
  });
  afterEach(async () => {
    await Promise.all(viewers.map((v) => v.close()));
    viewers = [];
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
  });

  it('refuses the upgrade for an unknown video (404) or a bad id (400)', async () => {
    await expect(TestViewer.open(base, 'no-such-video')).rejects.toThrow('upgrade refused: 404');
    await expect(TestViewer.open(base, '../x')).rejects.toThrow('upgrade refused: 400');
    const gone = await seedVideo(db, owner.id, true);
    await expect(TestViewer.open(base, gone)).rejects.toThrow('upgrade refused: 404');
  });

  it('two viewers: one posts, the other receives it within 200 ms, escaped like the pool', async () => {
    const video = await seedVideo(db, owner.id);
    const a = await open(video);
    const b = await open(video);
    await a.count(2);
    await b.count(2);
    // Warm the HTTP client and the route first: the 200 ms are the push's, not a cold start's.
    expect((await post(owner, { id: await seedVideo(db, owner.id) })).status).toBe(200);
    // Best of three, so one scheduling hiccup on a busy 2-core machine is not read as a slow push;
    // a push that waited for any timer or poll would miss 200 ms every time.
    const latencies: number[] = [];
    let id = '';
    for (let attempt = 0; attempt < 3 && !latencies.some((ms) => ms < 200); attempt++) {
      const started = Date.now();
      const seen = b.messages.length;
      const res = await post(owner, { id: video, time: 7.5, text: '<b>hey</b>', color: '#0f0', type: 'top' });
      expect(res.status).toBe(200);
      id = (await res.json()).data.id;
      const got = await b.next((m) => m.type === 'danmaku' && m.id === id, 2000, seen);
      latencies.push(Date.now() - started);
      expect(got).toEqual({ type: 'danmaku', id, data: [7.5, 1, 0x00ff00, owner.name, '&lt;b&gt;hey&lt;/b&gt;'] });
    }
    expect(Math.min(...latencies)).toBeLessThan(200);
    // The sender's own page gets it too (it skips it by nonce, see below).
    await a.next((m) => m.type === 'danmaku' && m.id === id);
  });

  it('echoes the nonce so the sending page can skip its own danmaku', async () => {
    const video = await seedVideo(db, owner.id);
    const a = await open(video);
    await a.count(1);
    expect((await post(owner, { id: video, nonce: 'n-123' })).status).toBe(200);
    expect(await a.next((m) => m.type === 'danmaku')).toMatchObject({ nonce: 'n-123' });
  });

  it('rooms are per video: a viewer of another video hears nothing', async () => {
    const v1 = await seedVideo(db, owner.id);
    const v2 = await seedVideo(db, owner.id);
    const a = await open(v1);
    const b = await open(v2);
    await a.count(1);
    await b.count(1);
    expect((await post(owner, { id: v1, text: 'only v1' })).status).toBe(200);
    await a.next((m) => m.type === 'danmaku');
    await new Promise((r) => setTimeout(r, 100));
    expect(b.messages.filter((m) => m.type === 'danmaku')).toEqual([]);
  });

  it('pushes the count on join and leave; a closed socket leaves the count at once', async () => {
    const video = await seedVideo(db, owner.id);
    const a = await open(video);
    await a.count(1);
    const b = await open(video);
    await a.count(2);
    await b.count(2);
    const counted = await fetch(`${base}/videos/${video}/viewers`);
    expect(await counted.json()).toEqual({ viewers: 2 });
    await b.close();
    await a.count(1);
    expect(await (await fetch(`${base}/videos/${video}/viewers`)).json()).toEqual({ viewers: 1 });
  });

  it('answers a ping with a pong; a viewer that stops sending expires and is closed', async () => {
    // An app of its own with a short expiry, so this runs in about a second.
    const quick = await buildDanmakuApp(testConfig(), db, { live: { viewerTtlMs: 600, sweepIntervalMs: 100 } });
    const quickBase = await quick.listen({ port: 0, host: '127.0.0.1' });
    const video = await seedVideo(db, owner.id);
    const quiet = await TestViewer.open(quickBase, video);
    const chatty = await TestViewer.open(quickBase, video);
    const heartbeat = setInterval(() => chatty.send({ type: 'ping' }), 100);
    try {
      await chatty.count(2);
      await chatty.next((m) => m.type === 'pong');
      // ttl 600 ms, sweep every 100 ms: the quiet one is gone well within a few seconds.
      await chatty.count(1, 3000);
      await quiet.closedByServer();
      expect(quiet.closeCode).toBe(4408);
      expect(chatty.closed).toBe(false);
      expect(await (await fetch(`${quickBase}/videos/${video}/viewers`)).json()).toEqual({ viewers: 1 });
    } finally {
      clearInterval(heartbeat);
      await Promise.all([quiet.close(), chatty.close()]);
      await quick.close();
    }
  });

  it('pushes a delete to the room', async () => {
    const video = await seedVideo(db, owner.id);
    const a = await open(video);
    await a.count(1);
    const { id } = (await (await post(owner, { id: video })).json()).data;
    const del = await fetch(`${base}/danmaku/v3/${id}`, { method: 'DELETE', headers: { 'x-session-id': owner.session } });
    expect(del.status).toBe(204);
    expect(await a.next((m) => m.type === 'delete')).toEqual({ type: 'delete', id });
  });

  it('ignores junk from a viewer without closing it', async () => {
    const video = await seedVideo(db, owner.id);
    const a = await open(video);
    await a.count(1);
    a.ws.send('not json');
    a.ws.send(Buffer.from([1, 2, 3]));
    a.send({ type: 'danmaku', data: 'forged' });
    a.send({ type: 'ping' });
    await a.next((m) => m.type === 'pong');
    expect(a.closed).toBe(false);
    expect(a.messages.filter((m) => m.type === 'danmaku')).toEqual([]);
  });

  describe('GET /videos/:vid/viewers and /viewers', () => {
    it.each([
      ['/videos/no-such/viewers', 404, '006'],
      ['/videos/a%2F..%2Fb/viewers', 400, '001'],
      ['/viewers', 400, '001'],
      ['/viewers?ids=', 400, '001'],
      ['/viewers?ids=a,,b', 400, '001'],
      [`/viewers?ids=${Array.from({ length: 101 }, (_, i) => `v${i}`).join(',')}`, 400, '001'],
    ])('%s → %i', async (url, status, code) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: expect.any(String), error_code: code });
    });

    it('counts several videos at once; unknown ids count 0', async () => {
      const v1 = await seedVideo(db, owner.id);
      const v2 = await seedVideo(db, owner.id);
      const a = await open(v1);
      const b = await open(v1);
      const c = await open(v2);
      await Promise.all([a.count(2), b.count(2), c.count(1)]);
      const res = await app.inject({ method: 'GET', url: `/viewers?ids=${v1},${v2},nobody,${v1}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ viewers: { [v1]: 2, [v2]: 1, nobody: 0 } });
    });
  });
});
