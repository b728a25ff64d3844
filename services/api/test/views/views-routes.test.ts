import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { TEST_REDIS_URL as REDIS, redisForTests } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, publish, withSession, type User } from '../fixtures/public-site.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Just past view_after_seconds (1 in these tests) of server time. */
const AFTER_MS = 1100;
/** Longer than one flush of the view counter (2 s). */
const FLUSH_MS = 2300;

const redis = await redisForTests('view counting through Redis');

const cases = testDialects().flatMap((dialect) => [[dialect, 'database'], ...(redis ? [[dialect, 'redis']] : [])] as [string, string][]);

describe.each(cases)('POST /videos/:vid/views on %s, viewers remembered in the %s', (dialect, dedupe) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let video: { id: string };
  const prefix = `test-views-${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    const redisUrl = dedupe === 'redis' ? `${REDIS}/0?prefix=${encodeURIComponent(prefix)}` : '';
    t = await buildTestApp(dialect as 'sqlite' | 'mysql', { ...ROOMY_LIMITS, view_after_seconds: 1, redis_url: redisUrl });
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    video = await publish(t, alice);
  });
  afterAll(async () => {
    await t?.close();
    if (dedupe !== 'redis') return;
    const r = new Redis(REDIS);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  });

  const report = async (id: string, opts: { sid?: string; address?: string; position?: unknown } = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/videos/${id}/views`,
      headers: withSession(opts.sid),
      remoteAddress: opts.address ?? '127.0.0.1',
      payload: { position: 'position' in opts ? opts.position : 3.5 },
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
  };
  const views = async (id: string) => ((await getAs(t, `/videos/${id}`)).json() as { views: number }).views;
  /** Polls the video's count (at most 50 × 100 ms) until it reaches `n`; returns the last count seen. */
  const viewsReach = async (id: string, n: number) => {
    let seen = await views(id);
    for (let i = 0; i < 50 && seen < n; i += 1) {
      await sleep(100);
      seen = await views(id);
    }
    return seen;
  };

  describe('4xx', () => {
    it.each<[string, () => string, unknown, string | undefined, number, string]>([
      ['position missing', () => video.id, {}, 'application/json', 400, '001'],
      ['position negative', () => video.id, { position: -1 }, 'application/json', 400, '001'],
      ['position a word', () => video.id, { position: 'x' }, 'application/json', 400, '001'],
      ['position null', () => video.id, { position: null }, 'application/json', 400, '001'],
      ['position an object', () => video.id, { position: { s: 1 } }, 'application/json', 400, '001'],
      ['position beyond any video', () => video.id, { position: 1e8 }, 'application/json', 400, '001'],
      ['position 1e999 (Infinity)', () => video.id, '{"position":1e999}', 'application/json', 400, '001'],
      ['no body', () => video.id, undefined, undefined, 400, '001'],
      ['bad JSON', () => video.id, '{"position":', 'application/json', 400, '001'],
      ['a body that is an array', () => video.id, [1], 'application/json', 400, '001'],
      ['an unknown video', () => MISSING, { position: 1 }, 'application/json', 404, '006'],
      ['a video id that is not a uuid', () => '..%2Fetc', { position: 1 }, 'application/json', 404, '006'],
    ])('%s -> %i', async (_l, id, payload, type, status, code) => {
      const headers = type ? { 'content-type': type } : {};
      const body = typeof payload === 'string' || payload === undefined ? payload : JSON.stringify(payload);
      expectError(await t.app.inject({ method: 'POST', url: `/videos/${id()}/views`, headers, payload: body }), status, code);
    });
  });

  // Each case waits on the clock and watches a video of its own, so they run side by side.
  describe.concurrent('counting', () => {
    it('nothing was counted by the refused reports', async () => {
      await sleep(FLUSH_MS);
      expect(await views(video.id)).toBe(0);
    });

    it('one viewer: reports 0 s and ≥ 1 s apart count one view, shown within 5 s; repeats within the hour do not', async () => {
      const v = await publish(t, alice);
      await report(v.id, { sid: bob.sid, position: 0 });
      await sleep(AFTER_MS);
      await report(v.id, { sid: bob.sid, position: 1 });
      expect(await viewsReach(v.id, 1)).toBe(1);
      await report(v.id, { sid: bob.sid });
      await sleep(AFTER_MS);
      await report(v.id, { sid: bob.sid });
      // The same user from a second session is the same viewer.
      const again = await t.app.inject({ method: 'POST', url: `/user/${bob.name}`, payload: { user_name: bob.name, pwd: 'secret-pwd' } });
      const sid2 = (again.json() as { session_id: string }).session_id;
      await report(v.id, { sid: sid2 });
      await sleep(AFTER_MS);
      await report(v.id, { sid: sid2 });
      await sleep(FLUSH_MS);
      expect(await views(v.id)).toBe(1);
    });

    it('reports closer together than view_after_seconds do not count; a later one does, whatever the gap', async () => {
      const v = await publish(t, alice);
      await report(v.id, { sid: alice.sid });
      await sleep(300);
      await report(v.id, { sid: alice.sid });
      await sleep(FLUSH_MS - 300);
      expect(await views(v.id)).toBe(0);
      await report(v.id, { sid: alice.sid });
      expect(await viewsReach(v.id, 1)).toBe(1);
    });

    it('other viewers count separately: another session, visitors by their address', async () => {
      const v = await publish(t, alice);
      const carol = await signUp(t.app, uniqueName('carol'));
      const viewers = [{ sid: bob.sid }, { sid: carol.sid }, { address: '10.0.0.1' }, { address: '10.0.0.2' }];
      await Promise.all(viewers.map((o) => report(v.id, o)));
      await sleep(AFTER_MS);
      await report(v.id, viewers[0] ?? {});
      expect(await viewsReach(v.id, 1)).toBe(1);
      await Promise.all(viewers.slice(1).map((o) => report(v.id, o)));
      expect(await viewsReach(v.id, 4)).toBe(4);
      await Promise.all(viewers.map((o) => report(v.id, o)));
      await sleep(FLUSH_MS);
      expect(await views(v.id)).toBe(4);
      const feed = (await getAs(t, '/videos?sort=views&limit=200')).json().videos as { id: string; views: number }[];
      expect(feed.find((x) => x.id === v.id)?.views).toBe(4);
    });

    it('reports of one viewer at the same moment (two tabs) count one view', async () => {
      const v = await publish(t, alice);
      await Promise.all(Array.from({ length: 4 }, () => report(v.id, { sid: bob.sid })));
      await sleep(AFTER_MS);
      await Promise.all(Array.from({ length: 6 }, () => report(v.id, { sid: bob.sid })));
      expect(await viewsReach(v.id, 1)).toBe(1);
      await sleep(FLUSH_MS);
      expect(await views(v.id)).toBe(1);
    });

    it('a single report is never a view', async () => {
      const v = await publish(t, alice);
      await report(v.id, { address: '10.9.9.9' });
      await sleep(FLUSH_MS);
      expect(await views(v.id)).toBe(0);
    });
  });
});
