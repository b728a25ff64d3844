import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDelRec } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, createVideo, expectError, postComment, signUp, uniqueName, type TestApp } from '../helper.js';

type User = { name: string; sid: string; id: number };
const MISSING = '00000000-0000-4000-8000-000000000000';

describe.each(testDialects())('videos on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let aliceVideo: { id: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    aliceVideo = await createVideo(t.app, alice, 'first');
  });
  afterAll(async () => t?.close());

  describe('POST /user/:username/videos', () => {
    it.each([
      ['no session', () => ({}), () => alice.name, { name: 'v' }, 401, '002'],
      ["another user's name", () => ({ 'x-session-id': bob.sid }), () => alice.name, { name: 'v' }, 403, '005'],
      ['no body', () => ({ 'x-session-id': alice.sid }), () => alice.name, undefined, 400, '001'],
      ['name missing', () => ({ 'x-session-id': alice.sid }), () => alice.name, {}, 400, '001'],
      ['name not a string', () => ({ 'x-session-id': alice.sid }), () => alice.name, { name: 7 }, 400, '001'],
      ['name blank after trimming', () => ({ 'x-session-id': alice.sid }), () => alice.name, { name: '  \t ' }, 400, '001'],
      ['name of 257 characters', () => ({ 'x-session-id': alice.sid }), () => alice.name, { name: '视'.repeat(257) }, 400, '001'],
    ])('%s -> %i', async (_l, headers, name, payload, status, code) => {
      const res = await t.app.inject({ method: 'POST', url: `/user/${name()}/videos`, headers: headers(), payload: payload as object });
      expectError(res, status, code);
    });

    it('201 VideoInfo; trimmed name; author from the session, not the body', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/user/${alice.name}/videos`,
        headers: { 'x-session-id': alice.sid },
        payload: { name: `  ${'视'.repeat(256)}  `, author_id: bob.id, id: 'mine' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const v = res.json();
      expect(Object.keys(v).sort()).toEqual(
        ['author_id', 'content_type', 'create_time', 'display_ctime', 'id', 'name', 'size', 'upload_state',
          'author', 'description', 'tags', 'privacy', 'duration', 'width', 'height', 'poster',
          'views', 'likes', 'dislikes', 'comments_count', 'processing', 'comments_policy', 'hidden'].sort(),
      );
      expect(v.author_id).toBe(alice.id);
      expect(v.name).toBe('视'.repeat(256));
      expect(v.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(v.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(v.display_ctime).toMatch(/^[A-Z][a-z]{2} \d\d \d{4}, \d\d:\d\d:\d\d$/);
      expect(v.upload_state).toBe('pending');
      expect(v).toMatchObject({ author: alice.name, description: '', tags: [], privacy: 'public', views: 0, poster: null, processing: null });
    });
  });

  describe('GET /user/:username/videos', () => {
    it.each([
      ['unknown user', () => '/user/nobody_at_all/videos', 404, '006'],
      ['invalid user name', () => "/user/x'%20or%201=1/videos", 404, '006'],
      ['limit 0', () => `/user/${alice.name}/videos?limit=0`, 400, '001'],
      ['limit 201', () => `/user/${alice.name}/videos?limit=201`, 400, '001'],
      ['limit abc', () => `/user/${alice.name}/videos?limit=abc`, 400, '001'],
      ['limit 1.5', () => `/user/${alice.name}/videos?limit=1.5`, 400, '001'],
      ['limit empty', () => `/user/${alice.name}/videos?limit=`, 400, '001'],
      ['cursor garbage', () => `/user/${alice.name}/videos?cursor=!!!`, 400, '001'],
      ['cursor not ours', () => `/user/${alice.name}/videos?cursor=${Buffer.from('{"a":1}').toString('base64url')}`, 400, '001'],
      ['from not a number', () => `/user/${alice.name}/videos?from=yesterday`, 400, '001'],
      ['to negative', () => `/user/${alice.name}/videos?to=-1`, 400, '001'],
    ])('%s -> %i', async (_l, url, status, code) => {
      expectError(await t.app.inject({ url: url() }), status, code);
    });

    it('200 with an empty list for a user without videos', async () => {
      const res = await t.app.inject({ url: `/user/${bob.name}/videos` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ videos: [], next_cursor: null });
    });

    it('pages newest first, stable while videos are added between pages', async () => {
      const u = await signUp(t.app, uniqueName('pager'));
      for (let i = 0; i < 7; i++) await createVideo(t.app, u, `v${i}`);
      const whole = (await t.app.inject({ url: `/user/${u.name}/videos?limit=200` })).json() as { videos: { id: string }[] };
      const expected = whole.videos.map((v) => v.id);
      expect(expected).toHaveLength(7);
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const url = `/user/${u.name}/videos?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.app.inject({ url });
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { videos: { id: string; create_time: string }[]; next_cursor: string | null };
        seen.push(...body.videos.map((v) => v.id));
        // New uploads arrive while the client is paging: they must not shift what follows.
        await createVideo(t.app, u, `late${page}`);
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('next_cursor is null exactly on the last page', async () => {
      const u = await signUp(t.app, uniqueName('exact'));
      for (let i = 0; i < 4; i++) await createVideo(t.app, u, `v${i}`);
      const first = (await t.app.inject({ url: `/user/${u.name}/videos?limit=2` })).json();
      expect(first.next_cursor).toEqual(expect.any(String));
      const second = (await t.app.inject({ url: `/user/${u.name}/videos?limit=2&cursor=${first.next_cursor}` })).json();
      expect(second.videos).toHaveLength(2);
      expect(second.next_cursor).toBeNull();
    });

    it('?from=&to= selects the unix-second window (from, to]', async () => {
      const u = await signUp(t.app, uniqueName('window'));
      const base = Date.UTC(2020, 0, 1);
      const ids = ['w1', 'w2', 'w3'].map((s, i) => `${s}-${uniqueName('')}`.replace(/[^A-Za-z0-9_-]/g, '') + i);
      for (let i = 0; i < 3; i++) {
        const at = base + i * 10_000 + 500; // seconds base+0.5, +10.5, +20.5
        await t.db.kysely
          .insertInto('video_info')
          .values({ id: ids[i], author_id: u.id, name: `w${i}`, display_ctime: 'x', create_time: at, deleted_at: null, upload_state: 'pending', size: null, content_type: null, updated_at: at })
          .execute();
      }
      const s = base / 1000;
      const res = await t.app.inject({ url: `/user/${u.name}/videos?from=${s}&to=${s + 10}` });
      expect(res.json().videos.map((v: { id: string }) => v.id)).toEqual([ids[1]]);
      const all = await t.app.inject({ url: `/user/${u.name}/videos?from=${s - 1}&to=${s + 20}` });
      expect(all.json().videos.map((v: { id: string }) => v.id)).toEqual([ids[2], ids[1], ids[0]]);
    });
  });

  describe('GET /user/:username/videos/:vid', () => {
    it.each([
      ['unknown video', () => `/user/${alice.name}/videos/${MISSING}`],
      ['video under another user', () => `/user/${bob.name}/videos/${aliceVideo.id}`],
      ['unknown user', () => `/user/nobody_at_all/videos/${aliceVideo.id}`],
      ['path trick', () => `/user/${alice.name}/videos/..%2F..%2Fetc%2Fpasswd`],
    ])('%s -> 404', async (_l, url) => {
      expectError(await t.app.inject({ url: url() }), 404, '006');
    });

    it('200 VideoInfo', async () => {
      const res = await t.app.inject({ url: `/user/${alice.name}/videos/${aliceVideo.id}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: aliceVideo.id, author_id: alice.id, name: 'first' });
    });
  });

  describe('DELETE /user/:username/videos/:vid', () => {
    it.each([
      ['no session', () => ({}), () => `/user/${alice.name}/videos/${aliceVideo.id}`, 401, '002'],
      ["another user's name", () => ({ 'x-session-id': bob.sid }), () => `/user/${alice.name}/videos/${aliceVideo.id}`, 403, '005'],
      ["another user's video under my name", () => ({ 'x-session-id': bob.sid }), () => `/user/${bob.name}/videos/${aliceVideo.id}`, 404, '006'],
      ['unknown video', () => ({ 'x-session-id': alice.sid }), () => `/user/${alice.name}/videos/${MISSING}`, 404, '006'],
    ])('%s -> %i', async (_l, headers, url, status, code) => {
      expectError(await t.app.inject({ method: 'DELETE', url: url(), headers: headers() }), status, code);
    });

    it('204; the video vanishes from every read at once, with its purge record written', async () => {
      const v = await createVideo(t.app, alice, 'doomed');
      await postComment(t.app, bob.sid, v.id);
      const res = await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } });
      expect(res.statusCode).toBe(204);
      expect(await findDelRec(t.db.kysely, v.id)).toBeDefined();
      const list = (await t.app.inject({ url: `/user/${alice.name}/videos?limit=200` })).json();
      expect(list.videos.map((x: { id: string }) => x.id)).not.toContain(v.id);
      expectError(await t.app.inject({ url: `/user/${alice.name}/videos/${v.id}` }), 404, '006');
      expectError(await t.app.inject({ url: `/videos/${v.id}/comments` }), 404, '006');
      expectError(
        await t.app.inject({ method: 'POST', url: `/videos/${v.id}/comments`, headers: { 'x-session-id': bob.sid }, payload: { content: 'late' } }),
        404,
        '006',
      );
      expectError(await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } }), 404, '006');
    });

    it('parallel deletes of one video: one 204, the rest 404, one purge record', async () => {
      const v = await createVideo(t.app, alice, 'contested');
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([204, 404, 404, 404, 404, 404]);
      const recs = await t.db.kysely.selectFrom('video_del_rec').selectAll().where('video_id', '=', v.id).execute();
      expect(recs).toHaveLength(1);
    });
  });
});
