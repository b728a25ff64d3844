import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAnyVideo, softDeleteVideo } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, mp4Bytes, rawRequest, startApp, WEBM, type Harness } from '../helper.js';

const BOUNDARY = 'streamserver-test-boundary';

function form(parts: { name: string; filename?: string; data: Buffer | string }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const type = p.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** An MP4-looking file of `bytes` bytes. */
function fakeMp4(bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 1);
  b.write('\x00\x00\x00\x20ftypisom', 0, 'latin1');
  return b;
}

describe.each(testDialects())('POST /upload/:vid (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let owner: { userId: number; sessionId: string };
  let other: { userId: number; sessionId: string };

  beforeAll(async () => {
    h = await startApp(dialect, { max_upload_mb: 1 });
    base = await listen(h.app);
    owner = await makeUser(h.db);
    other = await makeUser(h.db);
  });
  afterAll(async () => h?.close());

  const dirEntries = () => readdirSync(h.config.video_dir);
  const litter = () => dirEntries().filter((f) => f.startsWith('.upload-'));
  const upload = (id: string, body: Buffer, headers: Record<string, string> = {}) =>
    rawRequest(base, 'POST', `/upload/${id}`, { 'content-type': MULTIPART, 'x-session-id': owner.sessionId, ...headers }, body);

  describe('4xx', () => {
    const mp4 = () => form([{ name: 'file', filename: 'a.mp4', data: mp4Bytes() }]);
    it.each<[string, () => Promise<{ id?: string; headers?: Record<string, string>; body?: Buffer }>, number, string]>([
      ['bad id', async () => ({ id: 'a.b' }), 400, '001'],
      ['65-character id', async () => ({ id: 'x'.repeat(65) }), 400, '001'],
      ['no session', async () => ({ headers: { 'x-session-id': '' } }), 401, '002'],
      ['unknown session', async () => ({ headers: { 'x-session-id': '00000000-0000-4000-8000-000000000000' } }), 401, '002'],
      ['malformed session', async () => ({ headers: { 'x-session-id': "' or 1=1 --" } }), 401, '002'],
      ['another user', async () => ({ headers: { 'x-session-id': other.sessionId } }), 403, '005'],
      ['unknown video', async () => ({ id: 'no-such-video' }), 404, '006'],
      [
        'soft-deleted video',
        async () => {
          const id = await makeVideo(h, owner.userId);
          await softDeleteVideo(h.db.kysely, id, owner.userId, Date.now());
          return { id };
        },
        404,
        '006',
      ],
      ['JSON body', async () => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') }), 415, '010'],
      ['octet-stream body', async () => ({ headers: { 'content-type': 'application/octet-stream' }, body: mp4Bytes() }), 415, '010'],
      ['text body', async () => ({ headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') }), 415, '010'],
      ['unknown content type', async () => ({ headers: { 'content-type': 'x/none' }, body: mp4Bytes() }), 415, '010'],
      ['no file part', async () => ({ body: form([{ name: 'title', data: 'hello' }]) }), 400, '001'],
      ['file under another name', async () => ({ body: form([{ name: 'video', filename: 'a.mp4', data: mp4Bytes() }]) }), 400, '001'],
      ['not a video', async () => ({ body: form([{ name: 'file', filename: 'a.txt', data: 'just some text, no video' }]) }), 415, '010'],
      ['a PNG', async () => ({ body: form([{ name: 'file', filename: 'a.png', data: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') }]) }), 415, '010'],
      ['empty file', async () => ({ body: form([{ name: 'file', filename: 'a.mp4', data: '' }]) }), 415, '010'],
      ['over max_upload_mb', async () => ({ body: form([{ name: 'file', filename: 'a.mp4', data: fakeMp4(1024 * 1024 + 1) }]) }), 413, '009'],
      ['declared length far over the limit', async () => ({ headers: { 'content-length': String(5 * 1024 * 1024) }, body: Buffer.alloc(0) }), 413, '009'],
      ['broken multipart', async () => ({ body: Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n\x00\x00\x00\x20ftypisom`) }), 400, '001'],
      // The parser stalls on a part without headers; the route answers instead of hanging.
      ['a part without headers', async () => ({ body: Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n\r\n`), Buffer.alloc(30_000, 65), Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]) }), 400, '001'],
    ])('%s', async (_name, setup, status, code) => {
      const s = await setup();
      const id = s.id ?? (await makeVideo(h, owner.userId));
      const res = await rawRequest(
        base,
        'POST',
        `/upload/${id}`,
        { 'x-session-id': owner.sessionId, 'content-type': MULTIPART, ...s.headers },
        s.body ?? mp4(),
      );
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body.toString()).error_code).toBe(code);
      expect(dirEntries()).not.toContain(id);
      expect(litter()).toEqual([]);
    });
  });

  it('stores an MP4, marks the row, and serves it', async () => {
    const id = await makeVideo(h, owner.userId);
    const data = mp4Bytes();
    const res = await upload(id, form([{ name: 'title', data: 'x' }, { name: 'file', filename: 'a.mp4', data }]));
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString())).toEqual({ success: true, id, size: data.length });
    expect(readFileSync(path.join(h.config.video_dir, id)).equals(data)).toBe(true);
    const row = await findAnyVideo(h.db.kysely, id);
    expect(row).toMatchObject({ upload_state: 'ready', size: data.length, content_type: 'video/mp4' });
    const got = await rawRequest(base, 'GET', `/videos/${id}`);
    expect(got.body.equals(data)).toBe(true);
    expect(litter()).toEqual([]);
  });

  it('accepts the session cookie too', async () => {
    const id = await makeVideo(h, owner.userId);
    const res = await rawRequest(
      base,
      'POST',
      `/upload/${id}`,
      { 'content-type': MULTIPART, cookie: `theme=dark; session=${owner.sessionId}` },
      form([{ name: 'file', filename: 'a.mp4', data: mp4Bytes() }]),
    );
    expect(res.status).toBe(201);
  });

  it('a second upload replaces the first atomically, with its content type', async () => {
    const id = await makeVideo(h, owner.userId);
    expect((await upload(id, form([{ name: 'file', filename: 'a.mp4', data: mp4Bytes() }]))).status).toBe(201);
    const before = await rawRequest(base, 'HEAD', `/videos/${id}`);
    const webm = readFileSync(WEBM);
    expect((await upload(id, form([{ name: 'file', filename: 'b.webm', data: webm }]))).status).toBe(201);
    const after = await rawRequest(base, 'GET', `/videos/${id}`);
    expect(after.body.equals(webm)).toBe(true);
    expect(after.headers['content-type']).toBe('video/webm');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(await findAnyVideo(h.db.kysely, id)).toMatchObject({ size: webm.length, content_type: 'video/webm' });
    expect(dirEntries().filter((f) => f === id)).toHaveLength(1);
    expect(litter()).toEqual([]);
  });

  it('a rejected replacement keeps the previous file', async () => {
    const id = await makeVideo(h, owner.userId, { fixture: MP4 });
    const res = await upload(id, form([{ name: 'file', filename: 'x.txt', data: 'not a video at all' }]));
    expect(res.status).toBe(415);
    expect(readFileSync(path.join(h.config.video_dir, id)).equals(mp4Bytes())).toBe(true);
  });

  it('an upload aborted mid-body leaves no file and no temporary litter', async () => {
    for (let round = 0; round < 6; round++) {
      const id = await makeVideo(h, owner.userId);
      const body = form([{ name: 'file', filename: 'a.mp4', data: fakeMp4(900 * 1024) }]);
      const u = new URL(base);
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: u.hostname, port: Number(u.port) }, () => {
          socket.write(
            `POST /upload/${id} HTTP/1.1\r\nHost: x\r\nX-Session-Id: ${owner.sessionId}\r\n` +
              `Content-Type: ${MULTIPART}\r\nContent-Length: ${body.length}\r\n\r\n`,
          );
          socket.write(body.subarray(0, body.length / 2), () => {
            // Odd rounds give the server time to open its temporary file before the client
            // vanishes; even rounds vanish while it is still checking the session and the video.
            setTimeout(() => {
              socket.destroy();
              resolve();
            }, round % 2 ? 100 : 0);
          });
        });
        socket.on('error', reject);
      });
      const deadline = Date.now() + 15_000;
      while ((litter().length > 0 || h.app.connectionLimiter.inUse() > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(litter()).toEqual([]);
      expect(dirEntries()).not.toContain(id);
      expect(h.app.connectionLimiter.inUse()).toBe(0);
      expect(await findAnyVideo(h.db.kysely, id)).toMatchObject({ upload_state: 'pending', size: null });
    }
  });
});

describe('sweepTempUploads', () => {
  it('removes stale temporary uploads only', async () => {
    const { mkdtempSync, writeFileSync, utimesSync, readdirSync: ls } = await import('node:fs');
    const os = await import('node:os');
    const { sweepTempUploads, tempUploadPath } = await import('../../src/uploads/video-store.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
    const stale = tempUploadPath(dir);
    const fresh = tempUploadPath(dir);
    for (const f of [stale, fresh, path.join(dir, 'video-1'), path.join(dir, '.upload-not-ours')]) writeFileSync(f, 'x');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(stale, old, old);
    utimesSync(path.join(dir, 'video-1'), old, old);
    expect(await sweepTempUploads(dir)).toBe(1);
    expect(ls(dir).sort()).toEqual([path.basename(fresh), '.upload-not-ours', 'video-1'].sort());
  });
});
