import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findAnyVideo, insertUpload, softDeleteVideo } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, mp4Bytes, rawRequest, startApp, type Harness } from '../../helper.js';
import { errorBody, metadata, OCTETS, storeEntries, TUS, tusClient, uploadIdOf, uploadRows, videoLike, type TusClient } from '../../helpers/tus-helper.js';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(testDialects())('tus under /files/ (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let alice: { userId: number; sessionId: string };
  let bob: { userId: number; sessionId: string };
  let a: TusClient;
  let b: TusClient;
  const head = mp4Bytes();

  beforeAll(async () => {
    h = await startApp(dialect, { max_upload_mb: 2 });
    base = await listen(h.app);
    bob = await makeUser(h.db);
    b = tusClient(base, bob.sessionId);
  });
  afterAll(async () => h?.close());
  // A fresh uploader per test, so the per-user cap of unfinished uploads never carries over.
  beforeEach(async () => {
    alice = await makeUser(h.db);
    a = tusClient(base, alice.sessionId);
  });

  const video = (owner = alice.userId) => makeVideo(h, owner);

  describe('OPTIONS', () => {
    it('advertises version, extensions and max size without a session', async () => {
      const res = await rawRequest(base, 'OPTIONS', '/files');
      expect(res.status).toBe(204);
      expect(res.headers['tus-version']).toBe('1.0.0');
      const ext = String(res.headers['tus-extension']).split(',');
      expect(ext).toEqual(expect.arrayContaining(['creation', 'termination', 'expiration']));
      expect(ext).not.toContain('creation-defer-length');
      expect(res.headers['tus-max-size']).toBe(String(2 * MiB));
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('POST /files 4xx: nothing is created', () => {
    it.each<[string, number, string, (vid: string, other: string, gone: string) => Record<string, string>]>([
      ['no session', 401, '002', () => ({ 'x-session-id': '' })],
      ['unknown session', 401, '002', () => ({ 'x-session-id': '6f1c1e52-8a51-4b43-9d55-0d6b7f6c9a01' })],
      ['no Tus-Resumable', 412, '001', () => ({ 'tus-resumable': '' })],
      ['unsupported Tus-Resumable', 412, '001', () => ({ 'tus-resumable': '0.2.2' })],
      ['no Upload-Length', 400, '001', () => ({ 'upload-length': '' })],
      ['negative Upload-Length', 400, '001', () => ({ 'upload-length': '-1' })],
      ['Upload-Length not a number', 400, '001', () => ({ 'upload-length': '12abc' })],
      ['Upload-Defer-Length', 400, '001', () => ({ 'upload-length': '', 'upload-defer-length': '1' })],
      ['no metadata', 400, '001', () => ({ 'upload-metadata': '' })],
      ['metadata not base64 pairs', 400, '001', () => ({ 'upload-metadata': 'video_id a b c,,' })],
      ['metadata without video_id', 400, '001', () => ({ 'upload-metadata': metadata({ filename: 'x.mp4' }) })],
      ['video_id with a path trick', 400, '001', () => ({ 'upload-metadata': metadata({ video_id: '../../etc' }) })],
      ['unknown video', 404, '006', () => ({ 'upload-metadata': metadata({ video_id: 'no-such-video' }) })],
      ['deleted video', 404, '006', (_v, _o, gone) => ({ 'upload-metadata': metadata({ video_id: gone }) })],
      ["another user's video", 403, '005', (_v, other) => ({ 'upload-metadata': metadata({ video_id: other }) })],
      ['over max_upload_mb', 413, '009', () => ({ 'upload-length': String(2 * MiB + 1) })],
      ['empty file', 415, '010', () => ({ 'upload-length': '0' })],
    ])('%s → %i', async (_name, status, code, headers) => {
      const vid = await video();
      const other = await video(bob.userId);
      const gone = await video();
      await softDeleteVideo(h.db.kysely, gone, alice.userId, Date.now());
      const extra = headers(vid, other, gone);
      // An empty value means "leave the header out".
      const sent = Object.fromEntries(Object.entries({ ...extra }).filter(([, v]) => v !== ''));
      const dropped = Object.keys(extra).filter((k) => extra[k] === '');
      const before = (await uploadRows(h.db)).length;
      const entries = storeEntries(h.config.video_dir);
      const res = await rawRequest(base, 'POST', '/files', {
        ...Object.fromEntries(
          Object.entries({
            ...TUS,
            'x-session-id': alice.sessionId,
            'upload-length': '1000',
            'upload-metadata': metadata({ video_id: vid }),
          }).filter(([k]) => !dropped.includes(k)),
        ),
        ...sent,
      });
      expect(res.status).toBe(status);
      expect(errorBody(res).error_code).toBe(code);
      expect(res.headers.location).toBeUndefined();
      if (status === 412) expect(res.headers['tus-version']).toBe('1.0.0');
      if (status === 413) expect(errorBody(res).error).toMatch(/2 MiB/);
      expect((await uploadRows(h.db)).length).toBe(before);
      expect(storeEntries(h.config.video_dir)).toEqual(entries);
    });
  });

  describe('creation', () => {
    it('answers 201 with Location, Upload-Expires (24 h) and Tus-Resumable', async () => {
      const vid = await video();
      const before = Date.now();
      const res = await a.create(vid, 1000);
      expect(res.status).toBe(201);
      expect(res.headers['tus-resumable']).toBe('1.0.0');
      expect(res.headers.location).toMatch(new RegExp(`^${base}/files/[0-9a-f]{32}$`));
      const expires = Date.parse(String(res.headers['upload-expires']));
      expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 24 * 3600_000 - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
      const rows = await uploadRows(h.db);
      expect(rows.find((r) => r.id === uploadIdOf(res))).toMatchObject({ video_id: vid, user_id: alice.userId, state: 'active' });
    });

    it('builds Location from X-Forwarded-Host/-Proto (the web proxy) and ignores a bad one', async () => {
      const vid = await video();
      const res = await a.create(vid, 1000, { 'x-forwarded-host': 'videos.example:9006', 'x-forwarded-proto': 'https' });
      expect(res.headers.location).toBe(`https://videos.example:9006/files/${uploadIdOf(res)}`);
      const bad = await a.create(vid, 1000, { 'x-forwarded-host': 'evil.example/path?x' });
      expect(bad.headers.location).toBe(`${base}/files/${uploadIdOf(bad)}`);
    });

    it('answers at /files/ (trailing slash) too', async () => {
      const res = await rawRequest(base, 'POST', '/files/', {
        ...TUS,
        'x-session-id': alice.sessionId,
        'upload-length': '1000',
        'upload-metadata': metadata({ video_id: await video() }),
      });
      expect(res.status).toBe(201);
      expect((await rawRequest(base, 'OPTIONS', '/files/')).headers['tus-version']).toBe('1.0.0');
    });

    it('takes the session from the web\'s cookie too', async () => {
      const vid = await video();
      const res = await rawRequest(base, 'POST', '/files', {
        ...TUS,
        cookie: `theme=dark; session=${alice.sessionId}`,
        'upload-length': '1000',
        'upload-metadata': metadata({ video_id: vid }),
      });
      expect(res.status).toBe(201);
    });

    it('replaces an unfinished upload into the same video', async () => {
      const vid = await video();
      const first = uploadIdOf(await a.create(vid, 1000));
      const second = uploadIdOf(await a.create(vid, 1000));
      expect((await a.head(first)).status).toBe(404);
      expect((await a.head(second)).status).toBe(200);
      expect(storeEntries(h.config.video_dir).filter((e) => e.startsWith(first))).toEqual([]);
    });

    it('caps unfinished uploads per user at 5: the sixth is 429 with Retry-After', async () => {
      const carol = await makeUser(h.db);
      const c = tusClient(base, carol.sessionId);
      for (let i = 0; i < 5; i++) expect((await c.create(await video(carol.userId), 1000)).status).toBe(201);
      const res = await c.create(await video(carol.userId), 1000);
      expect(res.status).toBe(429);
      expect(errorBody(res).error_code).toBe('008');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(23 * 3600);
      // Expired ones do not count.
      await h.db.kysely.updateTable('uploads').set({ expires_at: Date.now() - 1 }).where('user_id', '=', carol.userId).execute();
      expect((await c.create(await video(carol.userId), 1000)).status).toBe(201);
    });
  });

  describe('HEAD and PATCH', () => {
    it('HEAD gives offset, length, no-store and Upload-Expires', async () => {
      const id = uploadIdOf(await a.create(await video(), 1000));
      const res = await a.head(id);
      expect(res.status).toBe(200);
      expect(res.headers['upload-offset']).toBe('0');
      expect(res.headers['upload-length']).toBe('1000');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['tus-resumable']).toBe('1.0.0');
      expect(Date.parse(String(res.headers['upload-expires']))).toBeGreaterThan(Date.now());
      expect(res.body.length).toBe(0);
    });

    describe('4xx leave the upload unchanged', () => {
      let id: string;
      let d: TusClient;
      beforeAll(async () => {
        const dave = await makeUser(h.db);
        d = tusClient(base, dave.sessionId);
        id = uploadIdOf(await d.create(await video(dave.userId), 1000));
        expect((await d.patch(id, 0, head.subarray(0, 100))).headers['upload-offset']).toBe('100');
      });

      it.each<[string, number, string, () => Promise<import('../../helper.js').RawResponse>]>([
        ['wrong content type', 415, '010', () => d.patch(id, 100, Buffer.alloc(10), { 'content-type': 'text/plain' })],
        ['no content type', 415, '010', () => d.patch(id, 100, Buffer.alloc(10), { 'content-type': '' })],
        ['wrong offset', 409, '007', () => d.patch(id, 50, Buffer.alloc(10))],
        ['offset past the end', 409, '007', () => d.patch(id, 900, Buffer.alloc(10))],
        ['Upload-Offset missing', 400, '001', () => d.patch(id, 100, Buffer.alloc(10), { 'upload-offset': '' })],
        ['Upload-Offset not a number', 400, '001', () => d.patch(id, 100, Buffer.alloc(10), { 'upload-offset': '1e2' })],
        ['unsupported Tus-Resumable', 412, '001', () => d.patch(id, 100, Buffer.alloc(10), { 'tus-resumable': '2.0.0' })],
        ['no Tus-Resumable', 412, '001', () => d.patch(id, 100, Buffer.alloc(10), { 'tus-resumable': '' })],
        ['more bytes than Upload-Length', 413, '009', () => d.patch(id, 100, Buffer.alloc(901))],
        ['no session', 401, '002', () => d.patch(id, 100, Buffer.alloc(10), { 'x-session-id': '' })],
        ["another user's upload", 403, '005', () => b.patch(id, 100, Buffer.alloc(10))],
        ['unknown upload', 404, '006', () => d.patch('0'.repeat(32), 0, Buffer.alloc(10))],
        ['malformed upload id', 400, '001', () => d.patch('..%2F..%2Fx', 0, Buffer.alloc(10))],
        ['overlong upload id', 400, '001', () => d.patch('a'.repeat(500), 0, Buffer.alloc(10))],
        ["HEAD of another user's upload", 403, '', () => b.head(id)],
        ["DELETE of another user's upload", 403, '005', () => b.del(id)],
      ])('%s → %i', async (_name, status, code, send) => {
        const res = await send();
        expect(res.status).toBe(status);
        if (code) expect(errorBody(res).error_code).toBe(code);
        if (status === 412) expect(res.headers['tus-version']).toBe('1.0.0');
        const after = await d.head(id);
        expect(after.headers['upload-offset']).toBe('100');
      });
    });

    it('stores chunks, places the file at once and serves it byte for byte', async () => {
      const vid = await video();
      const file = videoLike(head, 300_000);
      const created = await a.create(vid, file.length);
      const id = uploadIdOf(created);
      let offset = 0;
      for (const size of [65_536, 100_000, file.length - 165_536]) {
        const res = await a.patch(id, offset, file.subarray(offset, offset + size));
        expect(res.status).toBe(204);
        offset += size;
        expect(res.headers['upload-offset']).toBe(String(offset));
        if (offset < file.length) expect(res.headers['upload-expires']).toBeDefined();
      }
      const got = await rawRequest(base, 'GET', `/videos/${vid}`);
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toMatch(/^video\/mp4/);
      expect(sha256(got.body)).toBe(sha256(file));
      expect(await findAnyVideo(h.db.kysely, vid)).toMatchObject({ upload_state: 'ready', size: file.length, content_type: 'video/mp4' });
      expect(storeEntries(h.config.video_dir).filter((e) => e.startsWith(id))).toEqual([]);
      // A client whose last answer was lost learns from HEAD that everything arrived.
      const after = await a.head(id);
      expect(after.status).toBe(200);
      expect(after.headers['upload-offset']).toBe(String(file.length));
      expect(after.headers['upload-length']).toBe(String(file.length));
      expect((await a.patch(id, file.length, Buffer.alloc(1))).status).toBe(409);
      expect((await a.del(id)).status).toBe(409);
    });

    it('creation-with-upload is refused (400) and creates nothing', async () => {
      const vid = await video();
      const file = videoLike(head, 2000);
      const res = await rawRequest(
        base,
        'POST',
        '/files',
        {
          ...TUS,
          'x-session-id': alice.sessionId,
          'upload-length': String(file.length),
          'upload-metadata': metadata({ video_id: vid }),
          'content-type': OCTETS,
          'content-length': String(file.length),
        },
        file,
      );
      expect(res.status).toBe(400);
      expect(errorBody(res).error_code).toBe('001');
      expect((await uploadRows(h.db)).filter((r) => r.video_id === vid)).toEqual([]);
    });

    it('a finished file that is not a video is 415 and nothing is kept', async () => {
      const vid = await video();
      const junk = Buffer.alloc(5000, 0x41);
      const id = uploadIdOf(await a.create(vid, junk.length));
      expect((await a.patch(id, 0, junk.subarray(0, 2000))).status).toBe(204);
      const res = await a.patch(id, 2000, junk.subarray(2000));
      expect(res.status).toBe(415);
      expect(errorBody(res).error_code).toBe('010');
      expect(storeEntries(h.config.video_dir).filter((e) => e.startsWith(id))).toEqual([]);
      expect((await uploadRows(h.db)).find((r) => r.id === id)).toBeUndefined();
      expect(await findAnyVideo(h.db.kysely, vid)).toMatchObject({ upload_state: 'pending' });
      expect((await rawRequest(base, 'GET', `/videos/${vid}`)).status).toBe(404);
      expect((await a.head(id)).status).toBe(404);
    });

    it('a video deleted during the upload: the last PATCH is 404 and nothing is kept', async () => {
      const vid = await video();
      const file = videoLike(head, 10_000);
      const id = uploadIdOf(await a.create(vid, file.length));
      expect((await a.patch(id, 0, file.subarray(0, 5000))).status).toBe(204);
      await softDeleteVideo(h.db.kysely, vid, alice.userId, Date.now());
      const res = await a.patch(id, 5000, file.subarray(5000));
      expect(res.status).toBe(404);
      expect(storeEntries(h.config.video_dir).filter((e) => e.startsWith(id))).toEqual([]);
    });
  });

  describe('termination and expiry', () => {
    it('DELETE removes the upload, its bytes and its row', async () => {
      const id = uploadIdOf(await a.create(await video(), 1000));
      await a.patch(id, 0, head.subarray(0, 500));
      const res = await a.del(id);
      expect(res.status).toBe(204);
      expect(res.headers['tus-resumable']).toBe('1.0.0');
      expect((await a.head(id)).status).toBe(404);
      expect(storeEntries(h.config.video_dir).filter((e) => e.startsWith(id))).toEqual([]);
      expect((await uploadRows(h.db)).find((r) => r.id === id)).toBeUndefined();
    });

    it('an expired upload is gone for HEAD and PATCH (404)', async () => {
      const id = uploadIdOf(await a.create(await video(), 1000));
      await a.patch(id, 0, head.subarray(0, 500));
      await h.db.kysely.updateTable('uploads').set({ expires_at: Date.now() - 1 }).where('id', '=', id).execute();
      const res = await a.head(id);
      expect(res.status).toBe(404);
      const patch = await a.patch(id, 500, head.subarray(500, 1000));
      expect(patch.status).toBe(404);
      expect(errorBody(patch).error).toMatch(/expired/);
    });

    it('a row without its files (a crash in between) is a 404, not a 5xx', async () => {
      const vid = await video();
      const id = 'f'.repeat(32);
      const now = Date.now();
      const row = { id, video_id: vid, user_id: alice.userId, size: 10, state: 'active' as const, create_time: now };
      await insertUpload(h.db.kysely, { ...row, expires_at: now + 60_000 });
      expect((await a.head(id)).status).toBe(404);
      expect((await a.patch(id, 0, Buffer.alloc(10))).status).toBe(404);
    });
  });

  describe('malformed requests', () => {
    it('never answer 5xx and never leave an upload behind', async () => {
      const vid = await video();
      const id = uploadIdOf(await a.create(vid, 1000));
      const before = (await uploadRows(h.db)).length;
      const header = fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 40 }).map((x) => x.replace(/[^\x20-\x7e]/g, '')),
        fc.integer({ min: -5, max: 5000 }).map(String),
        fc.constantFrom('1.0.0', '0.2.2', 'video_id', `video_id ${Buffer.from(vid).toString('base64')}`, OCTETS, '1e3', '+1', '0x10'),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'PATCH', 'HEAD', 'DELETE', 'OPTIONS'),
          fc.constantFrom(
            '/files',
            '/files/',
            `/files/${id}`,
            '/files/..%2F..%2Fetc',
            `/files/${id.toUpperCase()}`,
            '/files/%00',
            `/files/${'a'.repeat(2000)}`,
          ),
          fc.record({
            'tus-resumable': header,
            'upload-length': header,
            'upload-offset': header,
            'upload-metadata': header,
            'content-type': header,
          }),
          fc.uint8Array({ maxLength: 64 }),
          async (method, url, headers, body) => {
            const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
            const payload = method === 'PATCH' || method === 'POST' ? Buffer.from(body) : undefined;
            const res = await rawRequest(base, method, url, { 'x-session-id': alice.sessionId, ...sent }, payload);
            expect(res.status).toBeLessThan(500);
            if (res.status >= 400 && method !== 'HEAD') expect(errorBody(res).error_code).toMatch(/^0\d\d$/);
          },
        ),
        { numRuns: 80 },
      );
      // Only the one upload above (and uploads the random requests created, capped per user) exist.
      expect((await uploadRows(h.db)).filter((r) => r.user_id === alice.userId).length).toBeLessThanOrEqual(5);
      expect(before).toBeGreaterThan(0);
      expect(h.app.connectionLimiter.inUse()).toBe(0);
    });
  });

  describe('connection limiter', () => {
    it('a PATCH over the limit is 429 with Retry-After; slots are all returned', async () => {
      const id = uploadIdOf(await a.create(await video(), 1000));
      const limiter = h.app.connectionLimiter;
      let taken = 0;
      while (taken < limiter.max && (await limiter.tryAcquire())) taken++;
      try {
        const res = await a.patch(id, 0, head.subarray(0, 100));
        expect(res.status).toBe(429);
        expect(errorBody(res).error_code).toBe('008');
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      } finally {
        for (let i = 0; i < taken; i++) limiter.release();
      }
      expect((await a.patch(id, 0, head.subarray(0, 100))).status).toBe(204);
      expect(limiter.inUse()).toBe(0);
    });
  });
});
