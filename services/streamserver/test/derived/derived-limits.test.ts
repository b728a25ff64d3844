import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationDir } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, until, writeBigFile, type Harness } from '../helper.js';
import { installGeneration } from './derived-helper.js';

describe.each(testDialects())('the limiter and per-address caps on derived files (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let port: number;
  let id: string;
  let gen: string;

  beforeAll(async () => {
    h = await startApp(dialect, { stream_max_connections: 3, stream_max_per_address: 2 });
    base = await listen(h.app);
    port = Number(new URL(base).port);
    const { userId } = await makeUser(h.db);
    id = await makeVideo(h, userId, { fixture: MP4 });
    ({ gen } = await installGeneration(h, id));
    writeBigFile(path.join(generationDir(h.config.video_dir, id, gen), '720.mp4'));
  });
  afterAll(async () => h?.close());

  /** A client that asks for the big rendition (from `from`, by X-Forwarded-For) and then reads nothing. */
  function stalledDownload(from?: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.pause();
        const xff = from ? `X-Forwarded-For: ${from}\r\n` : '';
        s.write(`GET /videos/${id}/hls/720.mp4?g=${gen} HTTP/1.1\r\nHost: x\r\n${xff}\r\n`);
        resolve(s);
      });
      s.on('error', reject);
    });
  }

  it('an address at its cap gets 429, and the global limit counts derived files with the rest', async () => {
    for (let round = 0; round < 3; round++) {
      const sockets = [await stalledDownload(), await stalledDownload()];
      await until('two slots taken', () => h.app.connectionLimiter.inUse() === 2);
      const capped = await rawRequest(base, 'GET', `/videos/${id}/poster.jpg`);
      expect(capped.status).toBe(429);
      expect(JSON.parse(capped.body.toString()).error_code).toBe('008');
      expect(h.app.connectionLimiter.inUse()).toBe(2);

      sockets.push(await stalledDownload('10.0.0.7'));
      await until('every slot taken', () => h.app.connectionLimiter.inUse() === 3);
      for (const p of [`/videos/${id}/hls/360.mp4?g=${gen}`, `/videos/${id}/hls/master.m3u8`, `/videos/${id}/captions/en.vtt`, `/videos/${id}`]) {
        const over = await rawRequest(base, 'GET', p, { 'x-forwarded-for': '10.0.0.8', range: 'bytes=0-0' });
        expect(over.status, p).toBe(429);
        expect(over.headers['retry-after']).toMatch(/^\d+$/);
      }

      for (const s of sockets) s.destroy();
      await until('slots released', () => h.app.connectionLimiter.inUse() === 0);
      const fresh = await Promise.all(
        ['10.0.1.1', '10.0.1.2', '10.0.1.3'].map((ip) => rawRequest(base, 'GET', `/videos/${id}/hls/360.mp4?g=${gen}`, { 'x-forwarded-for': ip, range: 'bytes=0-1023' })),
      );
      expect(fresh.map((r) => r.status)).toEqual([206, 206, 206]);
      await until('slots released after fresh requests', () => h.app.connectionLimiter.inUse() === 0);
    }
  });
});
