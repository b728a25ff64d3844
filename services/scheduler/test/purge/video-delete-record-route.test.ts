import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAnyVideo, findDelRec, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { buildTestApp, seedUser, seedVideos, TEST_TOKEN, type FastifyInstance } from '../helper.js';

describe.each(testDialects())('video-delete-record route (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let app: FastifyInstance;
  let unconfigured: FastifyInstance;
  const token = { 'x-internal-token': TEST_TOKEN };
  let authorId: number;
  let videoDir: string;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    let config;
    ({ app, config } = await buildTestApp(db));
    ({ app: unconfigured } = await buildTestApp(db, { internal_token: '' }));
    videoDir = config.video_dir;
    authorId = await seedUser(db);
  });
  afterAll(async () => {
    await app?.close();
    await unconfigured?.close();
    await close?.();
  });

  describe('rejects', () => {
    it.each([
      ['a dot', 'a.b', 400, '001'],
      ['an encoded slash', '..%2Fetc', 400, '001'],
      ['65 characters', 'a'.repeat(65), 400, '001'],
      ['300 characters', 'a'.repeat(300), 400, '001'],
      ['a space', 'a%20b', 400, '001'],
      ['unicode', '%E5%BC%A0', 400, '001'],
      ['a SQL fragment', "x'%20or%20'1'='1", 400, '001'],
    ])('an id with %s', async (_what, id, status, code) => {
      for (const method of ['POST', 'GET'] as const) {
        const res = await app.inject({ method, url: `/video-delete-record/${id}`, headers: token });
        expect(res.statusCode).toBe(status);
        expect(res.json()).toMatchObject({ error_code: code, error: expect.any(String) });
      }
    });

    it('an id longer than the router takes: a 4xx in the error shape', async () => {
      const res = await app.inject({ method: 'POST', url: `/video-delete-record/${'a'.repeat(5000)}`, headers: token });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json()).toMatchObject({ error: expect.any(String), error_code: expect.stringMatching(/^0\d\d$/) });
    });

    describe.each(['POST', 'GET'] as const)('%s without the right token: 401, nothing changes', (method) => {
      it.each([
        ['no token', undefined],
        ['a wrong token', 'nope'],
        ['a longer token', `${TEST_TOKEN}-and-more`],
        ['a shorter token', TEST_TOKEN.slice(0, -1)],
        ['an empty token', ''],
      ])('%s', async (_what, given) => {
        const [id] = await seedVideos(db, { authorId, videoDir, count: 1, prefix: `nt${method}${_what.replace(/\W/g, '')}`, deleted: false });
        const headers = given === undefined ? {} : { 'x-internal-token': given };
        const res = await app.inject({ method, url: `/video-delete-record/${id}`, headers });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ error_code: '002', error: expect.any(String) });
        expect((await findAnyVideo(db.kysely, id))?.deleted_at).toBeNull();
        expect(await findDelRec(db.kysely, id)).toBeUndefined();
      });
    });

    it('every request when no token is configured (never open), even one sending an empty token', async () => {
      const [id] = await seedVideos(db, { authorId, videoDir, count: 1, prefix: 'unconf', deleted: false });
      for (const method of ['POST', 'GET'] as const) {
        for (const headers of [{}, { 'x-internal-token': '' }, token]) {
          const res = await unconfigured.inject({ method, url: `/video-delete-record/${id}`, headers });
          expect(res.statusCode).toBe(401);
          expect(res.json()).toMatchObject({ error_code: '002', error: expect.any(String) });
        }
      }
      expect((await findAnyVideo(db.kysely, id))?.deleted_at).toBeNull();
      expect(await findDelRec(db.kysely, id)).toBeUndefined();
    });

    it('a bad id without the token: 401, not 400 (the id is not checked first)', async () => {
      const res = await app.inject({ method: 'GET', url: '/video-delete-record/a.b' });
      expect(res.statusCode).toBe(401);
    });
  });

  it('soft-deletes a live video and queues it, in one step; again is still 200 and changes nothing', async () => {
    const [id] = await seedVideos(db, { authorId, videoDir, count: 1, prefix: 'live', deleted: false });
    const res = await app.inject({ method: 'POST', url: `/video-delete-record/${id}`, headers: token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ success: true });
    const video = await findAnyVideo(db.kysely, id);
    expect(video?.deleted_at).toEqual(expect.any(Number));
    const rec = await findDelRec(db.kysely, id);
    expect(rec).toMatchObject({ video_id: id, attempts: 0, claimed_by: null });

    const again = await app.inject({ method: 'GET', url: `/video-delete-record/${id}`, headers: token });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ success: true });
    expect((await findAnyVideo(db.kysely, id))?.deleted_at).toBe(video?.deleted_at);
    expect(await findDelRec(db.kysely, id)).toEqual(rec);
  });

  it('answers 200 for an unknown id and queues it (a stray file of that name is removed)', async () => {
    const res = await app.inject({ method: 'GET', url: '/video-delete-record/no_such-video', headers: token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true });
    expect(await findDelRec(db.kysely, 'no_such-video')).toBeDefined();
  });

  it('GET /healthz: 200 with last_run null before any run', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', last_run: null, jobs: { purge: { runs: 0 } } });
  });
});

describe('GET /healthz with the database down', () => {
  it('is 503 with the contract error shape', async () => {
    const { db, close } = await openTestDb('sqlite');
    const { app } = await buildTestApp(db);
    await close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error_code: '011' });
    await app.close();
  });
});
