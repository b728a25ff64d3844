import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { buildDanmakuApp, seedUser, seedVideo, type SeededUser } from '../fixtures/danmaku-fixtures.js';

describe.each(testDialects())('danmaku density and Bilibili XML export (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let app: FastifyInstance;
  let user: SeededUser;
  let video: string;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    app = await buildDanmakuApp(testConfig(), db, { rateLimit: { max: 1000, windowMs: 10_000 } });
    user = await seedUser(db);
    video = await seedVideo(db, user.id);
    const posts: [number, string, number, number][] = [
      [0.2, 'a', 0, 0xffffff],
      [4.99, 'b & <c>', 1, 0xff0000],
      [5, 'd "q"', 2, 0x00ff00],
      [12.5, 'e', 0, 0],
      [3600, 'late', 0, 1],
    ];
    for (const [time, text, type, color] of posts) {
      const res = await app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: { 'x-session-id': user.session },
        payload: { id: video, time, text, type, color },
      });
      expect(res.statusCode).toBe(200);
    }
  });
  afterAll(async () => {
    await app?.close();
    await close?.();
  });

  describe('GET /danmaku/v3/density', () => {
    it.each([
      ['no id', '/danmaku/v3/density', 400, '001'],
      ['bucket 0', '/danmaku/v3/density?id=VID&bucket=0', 400, '001'],
      ['bucket not a number', '/danmaku/v3/density?id=VID&bucket=x', 400, '001'],
      ['unknown video', '/danmaku/v3/density?id=nope', 404, '006'],
    ])('%s → %i', async (_name, url, status, code) => {
      const res = await app.inject({ method: 'GET', url: url.replace('VID', video) });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ code: 1, error_code: code });
    });

    it('counts per 5-second bucket by default, sparse and in order', async () => {
      const res = await app.inject({ method: 'GET', url: `/danmaku/v3/density?id=${video}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ code: 0, data: { bucket: 5, counts: [[0, 2], [1, 1], [2, 1], [720, 1]] } });
    });

    it('takes another bucket size', async () => {
      const res = await app.inject({ method: 'GET', url: `/danmaku/v3/density?id=${video}&bucket=60` });
      expect(res.json().data).toEqual({ bucket: 60, counts: [[0, 4], [60, 1]] });
    });
  });

  describe('GET /videos/:vid/danmaku.xml', () => {
    it.each([
      ['/videos/nope/danmaku.xml', 404, '006'],
      ['/videos/a%20b/danmaku.xml', 400, '001'],
    ])('%s → %i', async (url, status, code) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: expect.any(String), error_code: code });
    });

    it('exports the pool in Bilibili’s format, escaped, in time order', async () => {
      const res = await app.inject({ method: 'GET', url: `/videos/${video}/danmaku.xml` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${video}.xml"`);
      const body = res.body;
      expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<i>\n')).toBe(true);
      expect(body).toContain(`<chatid>${video}</chatid>`);
      const d = [...body.matchAll(/<d p="([^"]+)">([^<]*)<\/d>/g)].map((m) => [m[1]!.split(','), m[2]]);
      expect(d.map(([, text]) => text)).toEqual(['a', 'b &amp; &lt;c&gt;', 'd &quot;q&quot;', 'e', 'late']);
      const [p] = d[1]!;
      expect(p).toEqual(['4.99000', '5', '25', String(0xff0000), expect.stringMatching(/^\d{10}$/), '0', expect.stringMatching(/^[0-9a-f]{8}$/), '2']);
      // bottom is mode 4; the sender is a hash, never the name
      expect(d[2]![0]![1]).toBe('4');
      expect(body).not.toContain(user.name);
    });
  });
});
