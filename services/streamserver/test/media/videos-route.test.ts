import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softDeleteVideo } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { FILE_RECHECK_MS } from '../../src/media/fast-path.js';
import { abortAfterHeaders, listen, makeUser, makeVideo, MP4, mp4Bytes, rawRequest, startApp, WEBM, type Harness } from '../helper.js';

/** Splits a multipart/byteranges body into its parts' headers and bytes. */
function parseByteranges(body: Buffer, contentType: string) {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const parts: { headers: Record<string, string>; data: Buffer }[] = [];
  const delim = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delim);
  while (at >= 0) {
    const after = at + delim.length;
    if (body.subarray(after, after + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', after);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(after + 2, headEnd).toString().split('\r\n')) {
      const c = line.indexOf(':');
      headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
    }
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    parts.push({ headers, data: body.subarray(headEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

describe.each(testDialects())('GET|HEAD /videos/:vid (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let mp4Id: string;
  let webmId: string;
  let untypedId: string;
  const bytes = mp4Bytes();
  const size = bytes.length;

  beforeAll(async () => {
    h = await startApp(dialect);
    base = await listen(h.app);
    const { userId } = await makeUser(h.db);
    mp4Id = await makeVideo(h, userId, { fixture: MP4, contentType: 'video/mp4' });
    webmId = await makeVideo(h, userId, { fixture: WEBM, contentType: 'video/webm' });
    untypedId = await makeVideo(h, userId, { fixture: MP4, contentType: null });
  });
  afterAll(async () => h?.close());

  const get = (id: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(base, method, `/videos/${id}`, headers);

  describe('4xx', () => {
    it.each<[string, string, number]>([
      ['encoded traversal', '/videos/..%2F..%2Fetc%2Fpasswd', 400],
      ['encoded slash', '/videos/a%2Fb', 400],
      ['NUL byte', '/videos/abc%00', 400],
      ['dot dot', '/videos/..', 400],
      ['a dot', '/videos/a.mp4', 400],
      ['65 characters', `/videos/${'a'.repeat(65)}`, 400],
      ['space', '/videos/a%20b', 400],
      ['unicode', '/videos/%E5%BC%A0', 400],
      ['temporary upload name', '/videos/.upload-x.part', 400],
      ['unknown id', `/videos/${'a'.repeat(64)}`, 404],
      ['literal traversal lands on no route', '/videos/../../etc/passwd', 404],
    ])('%s → %i', async (_name, p, status) => {
      const res = await rawRequest(base, 'GET', p);
      expect(res.status).toBe(status);
      const body = JSON.parse(res.body.toString());
      expect(body.error_code).toBe(status === 400 ? '001' : '006');
    });

    it('404 for a soft-deleted video', async () => {
      const { userId } = await makeUser(h.db);
      const id = await makeVideo(h, userId, { fixture: MP4, deleted: true });
      expect((await get(id)).status).toBe(404);
    });

    it('404 for a live video without a file', async () => {
      const { userId } = await makeUser(h.db);
      const id = await makeVideo(h, userId);
      const res = await get(id);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString()).error_code).toBe('006');
    });
  });

  it('serves the whole file with its headers', async () => {
    const res = await get(mp4Id);
    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
    expect(res.headers['content-length']).toBe(String(size));
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(new Date(res.headers['last-modified']!).getTime()).toBeGreaterThan(0);
  });

  it('counts streamed responses in /metrics and releases their slot', async () => {
    await get(mp4Id, { range: 'bytes=0-9' });
    const metrics = (await rawRequest(base, 'GET', '/metrics')).body.toString();
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/videos\/:vid",status="206"\} [1-9]/);
    expect(h.app.connectionLimiter.inUse()).toBe(0);
  });

  it('uses the stored content type, video/mp4 when there is none', async () => {
    expect((await get(webmId, {}, 'HEAD')).headers['content-type']).toBe('video/webm');
    expect((await get(untypedId, {}, 'HEAD')).headers['content-type']).toBe('video/mp4');
  });

  it('HEAD sends the headers only', async () => {
    const res = await get(mp4Id, {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(size));
    expect(res.body.length).toBe(0);
    const ranged = await get(mp4Id, { range: 'bytes=0-9' }, 'HEAD');
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-length']).toBe('10');
    expect(ranged.body.length).toBe(0);
  });

  it.each<[string, number, number]>([
    ['bytes=0-0', 0, 0],
    ['bytes=0-99', 0, 99],
    ['bytes=1000-', 1000, size - 1],
    ['bytes=-500', size - 500, size - 1],
    [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
    ['bytes=-99999999', 0, size - 1],
    [`bytes=${size - 1}-`, size - 1, size - 1],
    [`bytes=77777-88888`, 77777, 88888],
  ])('Range %s → 206 with exactly those bytes', async (range, start, end) => {
    const res = await get(mp4Id, { range });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(res.body.equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=999999999-', `bytes=${size}-`, 'bytes=-0'])('Range %s → 416 with bytes */size', async (range) => {
    const res = await get(mp4Id, { range });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${size}`);
    expect(JSON.parse(res.body.toString()).error_code).toBe('001');
  });

  it.each(['bytes=5-1', 'items=0-5', 'bytes=x'])('malformed Range %s is ignored (200, whole file)', async (range) => {
    const res = await get(mp4Id, { range });
    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
  });

  it('multi-range → multipart/byteranges with each part byte for byte', async () => {
    const res = await get(mp4Id, { range: 'bytes=100-199,-50,0-9' });
    expect(res.status).toBe(206);
    expect(res.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const parts = parseByteranges(res.body, res.headers['content-type']!);
    expect(parts.map((p) => p.headers['content-range'])).toEqual([
      `bytes 100-199/${size}`,
      `bytes ${size - 50}-${size - 1}/${size}`,
      `bytes 0-9/${size}`,
    ]);
    expect(parts.every((p) => p.headers['content-type'] === 'video/mp4')).toBe(true);
    expect(parts[0].data.equals(bytes.subarray(100, 200))).toBe(true);
    expect(parts[1].data.equals(bytes.subarray(size - 50))).toBe(true);
    expect(parts[2].data.equals(bytes.subarray(0, 10))).toBe(true);
  });

  it('HEAD of a multi-range gives the multipart length without a body', async () => {
    const full = await get(mp4Id, { range: 'bytes=0-1,10-11' });
    const head = await get(mp4Id, { range: 'bytes=0-1,10-11' }, 'HEAD');
    expect(head.status).toBe(206);
    expect(head.body.length).toBe(0);
    // The boundary is random but of fixed length, so the lengths agree.
    expect(head.headers['content-length']).toBe(full.headers['content-length']);
  });

  it('overlapping ranges → the whole file', async () => {
    const res = await get(mp4Id, { range: 'bytes=0-100,50-150' });
    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
  });

  it('conditional GET: 304 for a matching If-None-Match or a current If-Modified-Since', async () => {
    const first = await get(mp4Id);
    const etag = first.headers.etag!;
    const lastModified = first.headers['last-modified']!;
    const conditions: Record<string, string>[] = [{ 'if-none-match': etag }, { 'if-modified-since': lastModified }, { 'if-none-match': `"x", ${etag}` }];
    for (const headers of conditions) {
      const res = await get(mp4Id, headers);
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers.etag).toBe(etag);
    }
    expect((await get(mp4Id, { 'if-none-match': '"other"' })).status).toBe(200);
    expect((await get(mp4Id, { 'if-modified-since': new Date(0).toUTCString() })).status).toBe(200);
    // A stale If-None-Match beats a current If-Modified-Since.
    expect((await get(mp4Id, { 'if-none-match': '"other"', 'if-modified-since': lastModified })).status).toBe(200);
  });

  it('412 for a failing If-Match or If-Unmodified-Since, before any range', async () => {
    const etag = (await get(mp4Id, {}, 'HEAD')).headers.etag!;
    expect((await get(mp4Id, { 'if-match': '"other"', range: 'bytes=0-1' })).status).toBe(412);
    expect((await get(mp4Id, { 'if-unmodified-since': new Date(0).toUTCString() })).status).toBe(412);
    const ok = await get(mp4Id, { 'if-match': etag, range: 'bytes=0-1' });
    expect(ok.status).toBe(206);
  });

  it('If-Range: a current validator honours the Range, a stale one gets the whole file', async () => {
    const head = await get(mp4Id, {}, 'HEAD');
    const etag = head.headers.etag!;
    const lm = head.headers['last-modified']!;
    expect((await get(mp4Id, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get(mp4Id, { range: 'bytes=0-9', 'if-range': lm })).status).toBe(206);
    const stale = await get(mp4Id, { range: 'bytes=0-9', 'if-range': '"old"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(bytes)).toBe(true);
    expect((await get(mp4Id, { range: 'bytes=0-9', 'if-range': `W/${etag}` })).status).toBe(200);
    expect((await get(mp4Id, { range: 'bytes=0-9', 'if-range': new Date(0).toUTCString() })).status).toBe(200);
  });

  it('a file replaced by another process gets a new ETag within the recheck window, and is never served mixed', async () => {
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId, { fixture: MP4 });
    const before = await get(id);
    expect(before.body.equals(bytes)).toBe(true);
    const replacement = Buffer.alloc(5000, 7);
    const tmp = path.join(h.config.video_dir, 'replacement.tmp');
    writeFileSync(tmp, replacement);
    const { renameSync } = await import('node:fs');
    const replacedAt = Date.now();
    renameSync(tmp, path.join(h.config.video_dir, id));
    // The fast path trusts a file's stat for FILE_RECHECK_MS (another worker's upload, say): until
    // then the old file, whole; after it the new one, whole.
    let after = await get(id);
    for (let i = 0; i < 40 && after.headers.etag === before.headers.etag; i++) {
      expect(after.body.equals(bytes), 'the old file, whole').toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      after = await get(id);
    }
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(Date.now() - replacedAt).toBeLessThan(FILE_RECHECK_MS + 500);
    expect(after.body.equals(replacement)).toBe(true);
    expect((await get(id, { range: 'bytes=0-9', 'if-range': before.headers.etag! })).status).toBe(200);
  });

  it('a deleted video stops streaming once its cached row expires', async () => {
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId, { fixture: MP4 });
    expect((await get(id, {}, 'HEAD')).status).toBe(200);
    await softDeleteVideo(h.db.kysely, id, userId, Date.now());
    h.app.videoRows.invalidate(id);
    expect((await get(id, {}, 'HEAD')).status).toBe(404);
  });

  it('aborting downloads releases their descriptors', async () => {
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId, { fixture: MP4 });
    for (let i = 0; i < 20; i++) expect(await abortAfterHeaders(base, `/videos/${id}`)).toBe(200);
    // The shared descriptor was never closed by an aborted stream: the file is still served whole.
    const res = await get(id);
    expect(res.body.equals(bytes)).toBe(true);
  });
});

describe.each(testDialects())('storage_type oss (%s)', (dialect) => {
  let h: Harness;
  afterAll(async () => h?.close());
  it('redirects a live video to oss_url + id, and 404s an unknown one', async () => {
    h = await startApp(dialect, { storage_type: 'oss', oss_url: 'https://cdn.example.test/videos/' });
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId);
    const res = await h.app.inject({ method: 'GET', url: `/videos/${id}` });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`https://cdn.example.test/videos/${id}`);
    expect((await h.app.inject({ method: 'GET', url: '/videos/nope' })).statusCode).toBe(404);
  });
});

describe.each(testDialects())('health and test page (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp(dialect);
  });
  afterAll(async () => h?.close());

  it('GET /healthz is ok with a database and a writable video dir', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ok');
  });

  it('GET /healthz is 503 when the video dir is not writable', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(h.config.video_dir, { recursive: true, force: true });
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error_code).toBe('011');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(h.config.video_dir, { recursive: true });
  });

  it('GET /testpage is an upload form', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/testpage' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('type="file" name="file"');
  });
});
