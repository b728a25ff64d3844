import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWeb, listen, request } from '../helper.js';

type Seen = { url: string; accel: string | undefined };
/** What the fake stream server answers a request: status, headers, body. */
type Script = (req: http.IncomingMessage) => { status: number; headers: http.OutgoingHttpHeaders; body?: string };

const get = (base: string, p: string, headers: http.OutgoingHttpHeaders = {}) => request(base, p, headers);

/**
 * A stream server that answers as told, to make the X-Accel answers a real one never makes: a name
 * outside video_dir, a file that is gone, an X-Accel answer nobody asked for.
 */
describe('the web’s local sending when the stream server’s answer is not one it can serve', () => {
  const id = randomUUID();
  const bytes = randomBytes(200_000);
  let dir: string;
  let upstream: http.Server;
  let seen: Seen[] = [];
  let script: Script;
  let web: FastifyInstance;
  let off: FastifyInstance;
  let base: string;
  let offBase: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'web-local-'));
    upstream = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', accel: req.headers['x-accel-allowed'] as string | undefined });
      const a = script(req);
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const streamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    web = await buildWeb({ stream_url: streamUrl, video_dir: dir, stream_accel_redirect_prefix: '/_accel' });
    off = await buildWeb({ stream_url: streamUrl, video_dir: dir, stream_accel_redirect_prefix: '/_accel', web_serve_local_files: false });
    base = (await listen(web)).base;
    offBase = (await listen(off)).base;
  });
  beforeEach(() => {
    seen = [];
  });
  afterAll(async () => {
    await web?.close();
    await off?.close();
    await new Promise((r) => upstream?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const accelTo = (uri: string, etag = '"x"'): Script => (req) =>
    req.headers['x-accel-allowed'] === '1'
      ? { status: 200, headers: { 'x-accel-redirect': uri, etag, 'content-type': 'video/mp4', 'content-length': 0 } }
      : { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"error":"no such video","error_code":"006"}' };

  it.each([
    '/_accel/../../../etc/passwd',
    `/_accel/${id}/../../x`,
    `/_accel/.media/${id}/../../../../etc/passwd`,
    `/_accel/.media/${id}/g1/../poster.jpg`,
    `/_accel/.media/${id}/g1/sub/poster.jpg`,
    `/elsewhere/${id}`,
    '/_accel//etc/passwd',
    '/_accel/',
  ])('refuses the name %j: 503 011, no file read, no path shown', async (uri) => {
    script = accelTo(uri);
    const res = await get(base, `/videos/${id}`);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: '011' });
    expect(res.headers['x-accel-redirect']).toBeUndefined();
    expect(seen).toEqual([{ url: `/videos/${id}`, accel: '1' }]);
  });

  it('answers an X-Accel answer it did not ask for (local sending off) with 503, not an empty 200', async () => {
    script = () => ({ status: 200, headers: { 'x-accel-redirect': `/_accel/${id}`, 'content-length': 0 } });
    const res = await get(offBase, `/videos/${id}`, { 'x-accel-allowed': '1' });
    expect(res.status).toBe(503);
    expect(res.headers['x-accel-redirect']).toBeUndefined();
    expect(seen).toEqual([{ url: `/videos/${id}`, accel: undefined }]);
  });

  it('asks once more without X-Accel when the file is gone: the stream server’s 404', async () => {
    script = accelTo(`/_accel/${id}`);
    const res = await get(base, `/videos/${id}`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: '006' });
    expect(seen).toEqual([
      { url: `/videos/${id}`, accel: '1' },
      { url: `/videos/${id}`, accel: undefined },
    ]);
  });

  it('asks once more without X-Accel when the file under the name is not the one answered for (another ETag): the bytes', async () => {
    writeFileSync(path.join(dir, id), bytes);
    script = (req) =>
      req.headers['x-accel-allowed'] === '1'
        ? accelTo(`/_accel/${id}`, '"old"')(req)
        : { status: 200, headers: { 'content-type': 'video/mp4', 'content-length': 5 }, body: 'bytes' };
    const res = await get(base, `/videos/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('bytes');
    expect(seen.map((s) => s.accel)).toEqual(['1', undefined]);
    rmSync(path.join(dir, id));
  });

  it('passes the limiter’s 429 through as it is', async () => {
    script = () => ({ status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json; charset=utf-8' }, body: '{"error":"too many","error_code":"008"}' });
    const res = await get(base, `/videos/${id}`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: '008' });
    expect(seen).toHaveLength(1);
  });

  it('sends HEAD without X-Accel-Allowed (the stream server answers HEAD itself)', async () => {
    script = () => ({ status: 200, headers: { 'content-type': 'video/mp4', 'content-length': 7 } });
    await new Promise<void>((resolve, reject) => {
      http.request(`${base}/videos/${id}`, { method: 'HEAD', agent: false }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-length']).toBe('7');
        res.resume();
        res.on('end', resolve);
      }).on('error', reject).end();
    });
    expect(seen).toEqual([{ url: `/videos/${id}`, accel: undefined }]);
  });
});
