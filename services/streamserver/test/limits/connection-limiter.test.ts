import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, rawRequest, startApp, until, writeBigFile, type Harness } from '../helper.js';

const LIMIT = 4;

describe.each(testDialects())('connection limiter (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let port: number;
  let bigId: string;
  let uploadId: string;
  let sessionId: string;

  beforeAll(async () => {
    h = await startApp(dialect, { stream_max_connections: LIMIT });
    base = await listen(h.app);
    port = Number(new URL(base).port);
    const user = await makeUser(h.db);
    sessionId = user.sessionId;
    bigId = await makeVideo(h, user.userId);
    writeBigFile(path.join(h.config.video_dir, bigId));
    uploadId = await makeVideo(h, user.userId);
  });
  afterAll(async () => h?.close());

  /** A client that asks for the big file and then reads nothing. */
  function stalledDownload(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.pause();
        s.write(`GET /videos/${bigId} HTTP/1.1\r\nHost: x\r\n\r\n`);
        resolve(s);
      });
      s.on('error', reject);
    });
  }

  /** A client that starts an upload and then sends nothing more. */
  function stalledUpload(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.write(
          `POST /upload/${uploadId} HTTP/1.1\r\nHost: x\r\nX-Session-Id: ${sessionId}\r\n` +
            'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n',
        );
        resolve(s);
      });
      s.on('error', reject);
    });
  }

  it('turns the request over the limit away with 429 008 and Retry-After, and never leaks a slot', async () => {
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const uploads = round % 3 === 2 ? 2 : 0;
      const sockets: Socket[] = [];
      for (let i = 0; i < LIMIT - uploads; i++) sockets.push(await stalledDownload());
      for (let i = 0; i < uploads; i++) sockets.push(await stalledUpload());
      await until('every slot taken', () => h.app.connectionLimiter.inUse() === LIMIT);

      const over = await rawRequest(base, 'GET', `/videos/${bigId}`, { range: 'bytes=0-0' });
      expect(over.status).toBe(429);
      expect(over.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(over.body.toString()).error_code).toBe('008');
      // Still stalled: the slots are held by responses that cannot finish.
      expect(h.app.connectionLimiter.inUse()).toBe(LIMIT);

      for (const s of sockets) s.destroy();
      await until('slots released', () => h.app.connectionLimiter.inUse() === 0);

      const fresh = await Promise.all(
        Array.from({ length: LIMIT }, () => rawRequest(base, 'GET', `/videos/${bigId}`, { range: 'bytes=0-1023' })),
      );
      expect(fresh.map((r) => r.status)).toEqual(Array(LIMIT).fill(206));
      await until('slots released after fresh requests', () => h.app.connectionLimiter.inUse() === 0);
    }
  });

  it('requests that end normally release their slot once (the limit still holds afterwards)', async () => {
    const held = await Promise.all([stalledDownload(), stalledDownload()]);
    await until('two slots taken', () => h.app.connectionLimiter.inUse() === 2);
    for (let i = 0; i < 50; i++) {
      const res = await rawRequest(base, i % 2 ? 'HEAD' : 'GET', `/videos/${i % 5 ? bigId : 'missing'}`, { range: 'bytes=0-99' });
      expect([206, 404]).toContain(res.status);
    }
    // A double release would have dropped the count below the two stalled responses.
    await until('only the stalled responses hold slots', () => h.app.connectionLimiter.inUse() === 2);
    for (const s of held) s.destroy();
    await until('slots released', () => h.app.connectionLimiter.inUse() === 0);
    const sockets = await Promise.all(Array.from({ length: LIMIT }, () => stalledDownload()));
    await until('every slot taken', () => h.app.connectionLimiter.inUse() === LIMIT);
    expect((await rawRequest(base, 'HEAD', `/videos/${bigId}`)).status).toBe(429);
    for (const s of sockets) s.destroy();
    await until('slots released', () => h.app.connectionLimiter.inUse() === 0);
  });

  it('does not count routes outside streaming and uploads', async () => {
    const sockets = await Promise.all(Array.from({ length: LIMIT }, () => stalledDownload()));
    await until('every slot taken', () => h.app.connectionLimiter.inUse() === LIMIT);
    expect((await rawRequest(base, 'GET', '/healthz')).status).toBe(200);
    for (const s of sockets) s.destroy();
    await until('slots released', () => h.app.connectionLimiter.inUse() === 0);
  });
});
