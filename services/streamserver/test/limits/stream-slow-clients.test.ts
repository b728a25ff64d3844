import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { addressKey } from '../../src/limits/transfer-guard.js';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, until, type Harness } from '../helper.js';

/** Larger than loopback's socket buffers, so a reader that never reads stalls the transfer. */
const BIG = 48 * 1024 * 1024;

/** A GET over a raw socket that is paused after the headers: a client that never reads. */
function pausedReader(base: string, id: string, forwardedFor?: string): Promise<{ socket: net.Socket; head: string; closed: Promise<void> }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    let head = '';
    socket.once('connect', () => socket.write(`GET /videos/${id} HTTP/1.1\r\nHost: x\r\n${forwardedFor ? `X-Forwarded-For: ${forwardedFor}\r\n` : ''}\r\n`));
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        socket.off('data', onData);
        socket.pause();
        resolve({ socket, head: head.slice(0, head.indexOf('\r\n')), closed });
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed before the headers')));
  });
}

describe('addressKey', () => {
  it.each<[string, string]>([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});

describe.each(testDialects())('slow clients (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let id: string;
  const open: net.Socket[] = [];

  beforeAll(async () => {
    // Two streams per address; after one second a transfer must move 1 MiB/s.
    h = await startApp(dialect, { stream_max_per_address: 2, min_transfer_kbps: 1024, min_transfer_grace_seconds: 1 });
    base = await listen(h.app);
    const { userId } = await makeUser(h.db);
    id = await makeVideo(h, userId, { fixture: MP4, contentType: 'video/mp4' });
    writeFileSync(path.join(h.config.video_dir, id), Buffer.alloc(BIG, 7));
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await h?.close();
  });

  it('a third stream from one address is 429 008 with Retry-After; a paused reader is cut off and its slot freed', async () => {
    // Warm the row cache so the fast path answers too.
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' })).status).toBe(206);
    const a = await pausedReader(base, id);
    const b = await pausedReader(base, id);
    open.push(a.socket, b.socket);
    expect(a.head).toContain('200');
    expect(b.head).toContain('200');
    const third = await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' });
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect(JSON.parse(third.body.toString()).error_code).toBe('008');
    // Neither reader reads: both fall below the rate after the grace period and are cut off.
    await until('the address slots are freed', () => h.app.transferGuard.inUse('127.0.0.1') === 0, 10_000);
    expect(h.app.transferGuard.cutOff).toBeGreaterThanOrEqual(2);
    // The readers see the end once they read what was already on its way.
    a.socket.resume();
    b.socket.resume();
    await Promise.all([a.closed, b.closed]);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' })).status).toBe(206);
  }, 20_000);

  it('behind a trusted proxy each client address has its own cap (IPv6 by /64)', async () => {
    const a = await pausedReader(base, id, '2001:db8:1:2::1');
    const b = await pausedReader(base, id, '2001:db8:1:2::2');
    open.push(a.socket, b.socket);
    const range = { range: 'bytes=0-9' };
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { ...range, 'x-forwarded-for': '2001:db8:1:2::3' })).status).toBe(429);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { ...range, 'x-forwarded-for': '2001:db8:1:3::1' })).status).toBe(206);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { ...range, 'x-forwarded-for': '10.0.0.1' })).status).toBe(206);
    a.socket.destroy();
    b.socket.destroy();
    await until('the /64 is free again', () => h.app.transferGuard.inUse('2001:db8:1:2::/64') === 0, 10_000);
  }, 20_000);

  it('a client that reads at full speed gets the whole file', async () => {
    const before = h.app.transferGuard.cutOff;
    const res = await rawRequest(base, 'GET', `/videos/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(BIG);
    expect(h.app.transferGuard.cutOff).toBe(before);
  }, 20_000);

  it('an upload that stops sending is cut off after the grace period', async () => {
    const { userId, sessionId } = await makeUser(h.db);
    const vid = await makeVideo(h, userId);
    const u = new URL(base);
    const socket = net.connect(Number(u.port), u.hostname);
    open.push(socket);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const boundary = 'xyzzy';
    socket.write(
      `POST /upload/${vid} HTTP/1.1\r\nHost: x\r\nX-Session-Id: ${sessionId}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    // A real video's first bytes (the server sniffs them), then silence.
    socket.write(readFileSync(MP4).subarray(0, 1000));
    const before = h.app.transferGuard.cutOff;
    await closed;
    expect(h.app.transferGuard.cutOff).toBe(before + 1);
    await until('the upload slot is freed', () => h.app.transferGuard.inUse('127.0.0.1') === 0, 10_000);
  }, 20_000);
});
