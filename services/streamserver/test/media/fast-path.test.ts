import { randomBytes, randomInt } from 'node:crypto';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK, rangeSenderStats } from '@video/shared/files';
import { FILE_RECHECK_MS } from '../../src/media/fast-path.js';
import { listen, makeUser, makeVideo, rawRequest, startApp, until, type Harness, type RawResponse } from '../helper.js';

/** Several read chunks, and not a multiple of one, so ranges cross chunk boundaries. */
const SIZE = 3 * CHUNK + 12_345;
const BIG = 64 * 1024 * 1024;

/** Headers whose values differ per request by design. */
const PER_REQUEST = new Set(['date', 'x-request-id']);
function comparable(res: RawResponse): Record<string, unknown> {
  return Object.fromEntries(Object.entries(res.headers).filter(([k]) => !PER_REQUEST.has(k)));
}

describe('the streaming fast path', () => {
  let h: Harness;
  let base: string;
  let port: number;
  let userId: number;
  let id: string;
  let bytes: Buffer;

  beforeAll(async () => {
    h = await startApp('sqlite', { stream_max_connections: 2 });
    base = await listen(h.app);
    port = Number(new URL(base).port);
    userId = (await makeUser(h.db)).userId;
    id = await makeVideo(h, userId, { contentType: 'video/webm' });
    bytes = randomBytes(SIZE);
    writeFileSync(path.join(h.config.video_dir, id), bytes);
  });
  afterAll(async () => h?.close());

  const get = (vid: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(base, method, `/videos/${vid}`, headers);

  it('answers exactly as the route does: same status, headers and bytes', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'GET'],
      [{ range: 'bytes=100-2000000' }, 'GET'],
      [{ range: 'bytes=-10' }, 'GET'],
      [{ range: `bytes=${SIZE - 5}-` }, 'GET'],
      [{ range: 'bytes=5-9' }, 'HEAD'],
      [{}, 'HEAD'],
    ];
    for (const [headers, method] of cases) {
      h.app.videoRows.invalidate(id);
      const before = h.app.fastPathServed();
      const slow = await get(id, headers, method);
      expect(h.app.fastPathServed(), 'a row not yet cached goes through the route').toBe(before);
      const fast = await get(id, headers, method);
      expect(h.app.fastPathServed(), 'the next one takes the fast path').toBe(before + 1);
      expect(fast.status).toBe(slow.status);
      expect(comparable(fast)).toEqual(comparable(slow));
      expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(fast.body.equals(slow.body)).toBe(true);
    }
    const given = await get(id, { 'x-request-id': 'trace-me-123' });
    expect(given.headers['x-request-id']).toBe('trace-me-123');
  });

  it('leaves the rest to the route: several ranges, 416, 304, 412, a query, a deleted row', async () => {
    await get(id);
    const before = h.app.fastPathServed();
    const etag = (await get(id, {}, 'HEAD')).headers.etag!;
    const served = h.app.fastPathServed();
    expect(served).toBe(before + 1);
    expect((await get(id, { range: 'bytes=0-1,5-6' })).status).toBe(206);
    expect((await get(id, { range: `bytes=${SIZE}-` })).status).toBe(416);
    expect((await get(id, { 'if-none-match': etag })).status).toBe(304);
    expect((await get(id, { 'if-match': '"other"' })).status).toBe(412);
    expect((await rawRequest(base, 'GET', `/videos/${id}?t=1`)).status).toBe(200);
    expect(h.app.fastPathServed()).toBe(served);
    // A range or a GET whose If-None-Match does not match is still fast.
    expect((await get(id, { 'if-none-match': '"other"', range: 'bytes=0-0' })).status).toBe(206);
    expect(h.app.fastPathServed()).toBe(served + 1);
  });

  it('many concurrent ranges across chunk boundaries are each byte for byte (buffers are reused safely)', async () => {
    await get(id, {}, 'HEAD');
    const ranges = Array.from({ length: 40 }, () => {
      const start = randomInt(0, SIZE - 1);
      return { start, end: Math.min(SIZE - 1, start + randomInt(1, 2 * CHUNK)) };
    });
    // Two slots: the others are turned away (429), which is fine; every answered one must be exact.
    let exact = 0;
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(ranges.slice(round * 4, round * 4 + 4).map((r) => get(id, { range: `bytes=${r.start}-${r.end}` }).then((res) => ({ r, res }))));
      for (const { r, res } of results) {
        if (res.status === 429) continue;
        expect(res.status).toBe(206);
        expect(res.body.equals(bytes.subarray(r.start, r.end + 1))).toBe(true);
        exact++;
      }
    }
    expect(exact).toBeGreaterThan(10);
    await until('slots back', () => h.app.connectionLimiter.inUse() === 0);
  });

  it('a client that stops reading stops the reads, and one that leaves frees its slot and descriptor', async () => {
    const bigId = await makeVideo(h, userId, { contentType: 'video/mp4' });
    writeFileSync(path.join(h.config.video_dir, bigId), Buffer.alloc(BIG, 1));
    expect((await get(bigId, {}, 'HEAD')).status).toBe(200);
    const served = h.app.fastPathServed();
    const readBefore = rangeSenderStats.bytesRead;
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.pause();
    socket.write(`GET /videos/${bigId} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await until('the response to start', () => h.app.fastPathServed() === served + 1);
    await new Promise((r) => setTimeout(r, 600));
    const read = rangeSenderStats.bytesRead - readBefore;
    // Loopback socket buffers hold a few MiB; the rest of the 64 MiB must stay unread.
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(24 * 1024 * 1024);
    expect(h.app.connectionLimiter.inUse()).toBe(1);
    socket.destroy();
    await until('the slot to come back', () => h.app.connectionLimiter.inUse() === 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(rangeSenderStats.bytesRead - readBefore).toBeLessThan(26 * 1024 * 1024);
  });

  it('a full limiter is the route\'s 429, in the contract\'s shape', async () => {
    await get(id, {}, 'HEAD');
    const hold = [connect({ host: '127.0.0.1', port }), connect({ host: '127.0.0.1', port })];
    const bigId = await makeVideo(h, userId);
    writeFileSync(path.join(h.config.video_dir, bigId), Buffer.alloc(BIG, 2));
    await get(bigId, {}, 'HEAD');
    for (const s of hold) {
      s.on('error', () => undefined);
      s.pause();
      s.write(`GET /videos/${bigId} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    }
    await until('both slots taken', () => h.app.connectionLimiter.inUse() === 2);
    const res = await get(id);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: '008' });
    for (const s of hold) s.destroy();
    await until('slots back', () => h.app.connectionLimiter.inUse() === 0);
  });

  it('a file removed or changed behind its back is noticed at once, while its row is still cached', async () => {
    const goneId = await makeVideo(h, userId);
    const file = path.join(h.config.video_dir, goneId);
    writeFileSync(file, Buffer.alloc(4 * CHUNK, 3));
    expect((await get(goneId, {}, 'HEAD')).headers['content-length']).toBe(String(4 * CHUNK));
    // Changed in place (same inode): the next answers have the new length, not a broken body.
    truncateSync(file, CHUNK);
    let res = await get(goneId);
    for (let i = 0; i < 10 && res.body.length !== CHUNK; i++) res = await get(goneId);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(CHUNK);
    // Removed (the scheduler's purge): 404 although the row is still in the 1 s cache.
    rmSync(file);
    const started = Date.now();
    let status = (await get(goneId, {}, 'HEAD')).status;
    while (status !== 404 && Date.now() - started < 500) status = (await get(goneId, {}, 'HEAD')).status;
    expect(status).toBe(404);
    expect(Date.now() - started, 'noticed by the directory watch, not the 1 s recheck').toBeLessThan(FILE_RECHECK_MS / 2);
  });
});
