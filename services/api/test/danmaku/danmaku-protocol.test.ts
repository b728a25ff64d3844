import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softDeleteVideo, type Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { buildDanmakuApp, seedUser, seedVideo, type SeededUser } from '../fixtures/danmaku-fixtures.js';

describe.each(testDialects())('danmaku v3 protocol (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let app: FastifyInstance;
  let owner: SeededUser;
  let viewer: SeededUser;
  let stranger: SeededUser;
  let video: string;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    // A generous limit here; the rate-limit block below builds its own app.
    app = await buildDanmakuApp(testConfig(), db, { rateLimit: { max: 10_000, windowMs: 10_000 } });
    owner = await seedUser(db, 'owner<b>');
    viewer = await seedUser(db, 'viewer');
    stranger = await seedUser(db, 'stranger');
    video = await seedVideo(db, owner.id);
  });
  afterAll(async () => {
    await app?.close();
    await close?.();
  });

  const post = (user: SeededUser | null, body: unknown, url = '/danmaku/v3/') =>
    app.inject({
      method: 'POST',
      url,
      headers: user ? { 'x-session-id': user.session } : {},
      payload: body as object,
    });
  const valid = (over: Record<string, unknown> = {}) => ({ id: video, time: 1.5, text: 'hello', color: 16777215, type: 0, ...over });

  describe('GET /danmaku/v3', () => {
    it.each([
      ['no id', '/danmaku/v3/', 400, '001'],
      ['bad id', '/danmaku/v3/?id=..%2Fx', 400, '001'],
      ['max not an integer', `/danmaku/v3/?id=VID&max=lots`, 400, '001'],
      ['max zero', `/danmaku/v3/?id=VID&max=0`, 400, '001'],
      ['limit negative', `/danmaku/v3/?id=VID&limit=-3`, 400, '001'],
      ['unknown video', '/danmaku/v3/?id=nope', 404, '006'],
    ])('%s → %i', async (_name, url, status, code) => {
      const res = await app.inject({ method: 'GET', url: url.replace('VID', video) });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ code: 1, error_code: code });
      expect(res.json().msg).toBe(res.json().error);
    });

    it('404s a soft-deleted video', async () => {
      const gone = await seedVideo(db, owner.id);
      await softDeleteVideo(db.kysely, gone, owner.id, Date.now());
      const res = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${gone}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ code: 1, msg: 'no such video', error: 'no such video', error_code: '006' });
    });

    it('serves an empty pool as {"code":0,"data":[]}, with and without the trailing slash', async () => {
      const empty = await seedVideo(db, owner.id);
      for (const url of [`/danmaku/v3/?id=${empty}`, `/danmaku/v3?id=${empty}`]) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toBe('{"code":0,"data":[]}');
      }
    });

    it('returns [time,type,color,author,text] sorted by time, author and text HTML-escaped', async () => {
      const v = await seedVideo(db, owner.id);
      expect((await post(owner, { ...valid({ id: v }), time: 9.25, text: `<img src=x onerror="alert('x')">&`, type: 1, color: 255 })).statusCode).toBe(200);
      expect((await post(viewer, { ...valid({ id: v }), time: 0.5, text: 'first', type: 2, color: 0 })).statusCode).toBe(200);
      const res = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${v}` });
      expect(res.json()).toEqual({
        code: 0,
        data: [
          [0.5, 2, 0, 'viewer', 'first'],
          [9.25, 1, 255, 'owner&lt;b&gt;', '&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;'],
        ],
      });
    });

    it('keeps the newest max (or limit) items, still sorted by video time, and caps at 3000', async () => {
      const v = await seedVideo(db, owner.id);
      // Posted in this order; video times run backwards so "newest" and "time order" differ.
      for (const [i, t] of [30, 20, 10, 5].entries()) {
        expect((await post(viewer, valid({ id: v, time: t, text: `n${i}` }))).statusCode).toBe(200);
        await new Promise((r) => setTimeout(r, 3));
      }
      const byMax = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${v}&max=2` });
      expect(byMax.json().data.map((d: unknown[]) => d[4])).toEqual(['n3', 'n2']);
      const byLimit = await app.inject({ method: 'GET', url: `/danmaku/v3?id=${v}&limit=3` });
      expect(byLimit.json().data.map((d: unknown[]) => d[4])).toEqual(['n3', 'n2', 'n1']);
      const huge = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${v}&max=99999999` });
      expect(huge.json().data).toHaveLength(4);
    });

    it('caps the pool at 3000 by default', async () => {
      const v = await seedVideo(db, owner.id);
      const rows = Array.from({ length: 3010 }, (_, i) => ({
        id: `cap-${v.slice(0, 8)}-${i}`,
        video_id: v,
        author_id: viewer.id,
        time: i / 10,
        type: 0,
        color: 1,
        text: `t${i}`,
        create_time: 1_000_000 + i,
      }));
      for (let i = 0; i < rows.length; i += 500) await db.kysely.insertInto('danmaku').values(rows.slice(i, i + 500)).execute();
      const res = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${v}` });
      const data = res.json().data as unknown[][];
      expect(data).toHaveLength(3000);
      // The ten oldest posts fall out.
      expect(data[0]).toEqual([1, 0, 1, 'viewer', 't10']);
      expect(data[2999]![4]).toBe('t3009');
    });
  });

  describe('POST /danmaku/v3', () => {
    it('needs a session (401, code 1)', async () => {
      const res = await post(null, valid());
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 1, error_code: '002' });
      const bad = await post({ ...viewer, session: 'not-a-session' }, valid());
      expect(bad.statusCode).toBe(401);
    });

    it.each([
      ['text empty', { text: '' }],
      ['text only spaces', { text: '   \n ' }],
      ['text 101 characters', { text: 'x'.repeat(101) }],
      ['text not a string', { text: 5 }],
      ['text missing', { text: undefined }],
      ['time negative', { time: -0.1 }],
      ['time a string', { time: '3' }],
      ['time infinite (1e999)', { time: 'INF' }],
      ['time missing', { time: undefined }],
      ['type 3', { type: 3 }],
      ['type 1.5', { type: 1.5 }],
      ['type unknown name', { type: 'left' }],
      ['type boolean', { type: true }],
      ['color negative', { color: -1 }],
      ['color above 0xFFFFFF', { color: 0x1000000 }],
      ['color fractional', { color: 1.5 }],
      ['color #ggg', { color: '#ggg' }],
      ['color #12345', { color: '#12345' }],
      ['color name', { color: 'red' }],
      ['id missing', { id: undefined }],
      ['id with a slash', { id: '../etc' }],
    ])('%s → 400 001 with code 1', async (_name, over) => {
      const body: Record<string, unknown> = valid(over);
      for (const [k, v] of Object.entries(over)) if (v === undefined) delete body[k];
      const payload = JSON.stringify(body).replace('"INF"', '1e999');
      const res = await app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: { 'x-session-id': viewer.session, 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 1, error_code: '001' });
      expect(typeof res.json().msg).toBe('string');
    });

    it('400s a body that is not JSON, with code 1', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: { 'x-session-id': viewer.session, 'content-type': 'application/json' },
        payload: '{"id":',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 1, error_code: '001' });
    });

    it('404s an unknown or deleted video', async () => {
      const gone = await seedVideo(db, owner.id, true);
      for (const id of ['no-such-video', gone]) {
        const res = await post(viewer, valid({ id }));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ code: 1, error_code: '006' });
      }
    });

    it.each([
      ['DPlayer’s own body (token, author ignored)', { token: 'tokendemo', author: 'DIYgod', type: 0, color: 16777215 }, 0, 0xffffff],
      ['type "top", color #f00', { type: 'top', color: '#f00' }, 1, 0xff0000],
      ['type "bottom", color #00FF7f', { type: 'bottom', color: '#00FF7f' }, 2, 0x00ff7f],
      ['type "right", color 0', { type: 'right', color: 0 }, 0, 0],
    ])('accepts %s', async (_name, over, type, color) => {
      const res = await post(viewer, valid({ ...over, text: '  hi  ', time: 12.345 }), '/danmaku/v3');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.code).toBe(0);
      expect(body.data).toMatchObject({ video_id: video, time: 12.345, type, color, author: 'viewer', text: 'hi' });
      expect(body.data.id).toMatch(/^[0-9a-f-]{36}$/);
      const row = await db.kysely.selectFrom('danmaku').selectAll().where('id', '=', body.data.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ author_id: viewer.id, type, color, text: 'hi' });
    });

    it('counts 100 characters as code points (emoji are one each)', async () => {
      expect((await post(viewer, valid({ text: '😀'.repeat(100) }))).statusCode).toBe(200);
      expect((await post(viewer, valid({ text: '😀'.repeat(101) }))).statusCode).toBe(400);
    });
  });

  describe('rate limit', () => {
    it('allows danmaku_rate_limit posts a minute per user, then 429 008 with Retry-After; others are unaffected', async () => {
      const limited = await buildDanmakuApp(testConfig({ danmaku_rate_limit: 5 }), db);
      try {
        const u = await seedUser(db);
        const send = (who: SeededUser) =>
          limited.inject({ method: 'POST', url: '/danmaku/v3/', headers: { 'x-session-id': who.session }, payload: valid() });
        for (let i = 0; i < 5; i++) expect((await send(u)).statusCode).toBe(200);
        const sixth = await send(u);
        expect(sixth.statusCode).toBe(429);
        expect(sixth.json()).toMatchObject({ code: 1, error_code: '008' });
        const retry = Number(sixth.headers['retry-after']);
        expect(retry).toBeGreaterThanOrEqual(1);
        expect(retry).toBeLessThanOrEqual(60);
        expect((await send(stranger)).statusCode).toBe(200);
        const rows = await db.kysely.selectFrom('danmaku').select('id').where('author_id', '=', u.id).execute();
        expect(rows).toHaveLength(5);
      } finally {
        await limited.close();
      }
    });

    it('lets the user post again once the window has passed', async () => {
      const limited = await buildDanmakuApp(testConfig(), db, { rateLimit: { max: 2, windowMs: 300 } });
      try {
        const u = await seedUser(db);
        const send = () =>
          limited.inject({ method: 'POST', url: '/danmaku/v3/', headers: { 'x-session-id': u.session }, payload: valid() });
        expect((await send()).statusCode).toBe(200);
        expect((await send()).statusCode).toBe(200);
        expect((await send()).statusCode).toBe(429);
        await new Promise((r) => setTimeout(r, 350));
        expect((await send()).statusCode).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('DELETE /danmaku/v3/:id', () => {
    let mine: string;
    beforeAll(async () => {
      mine = (await post(viewer, valid({ text: 'to delete' }))).json().data.id;
    });

    it.each([
      ['no session', () => null, () => mine, 401, '002'],
      ['someone else', () => stranger, () => mine, 403, '005'],
      ['unknown id', () => viewer, () => '00000000-0000-4000-8000-000000000000', 404, '006'],
      ['bad id', () => viewer, () => 'a%2F..', 400, '001'],
    ])('%s → %i', async (_name, who, id, status, code) => {
      const user = who();
      const res = await app.inject({
        method: 'DELETE',
        url: `/danmaku/v3/${id()}`,
        headers: user ? { 'x-session-id': user.session } : {},
      });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ code: 1, error_code: code });
    });

    it('lets the author delete it (204), then it is gone from the pool', async () => {
      const id = (await post(viewer, valid({ text: 'mine' }))).json().data.id;
      const res = await app.inject({ method: 'DELETE', url: `/danmaku/v3/${id}`, headers: { 'x-session-id': viewer.session } });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const pool = await app.inject({ method: 'GET', url: `/danmaku/v3/?id=${video}` });
      expect(pool.json().data.some((d: unknown[]) => d[4] === 'mine')).toBe(false);
      const again = await app.inject({ method: 'DELETE', url: `/danmaku/v3/${id}`, headers: { 'x-session-id': viewer.session } });
      expect(again.statusCode).toBe(404);
    });

    it('lets the video’s owner delete anyone’s danmaku on it', async () => {
      const res = await app.inject({ method: 'DELETE', url: `/danmaku/v3/${mine}`, headers: { 'x-session-id': owner.session } });
      expect(res.statusCode).toBe(204);
    });
  });
});
