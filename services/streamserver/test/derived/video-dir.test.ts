import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationDir, MEDIA_DIR } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { FILE_RECHECK_MS } from '../../src/media/fast-path.js';
import { sweepTempUploads } from '../../src/uploads/video-store.js';
import { listen, makeUser, makeVideo, rawRequest, startApp, until, type Harness } from '../helper.js';
import { installGeneration } from './derived-helper.js';

describe.each(testDialects())('the originals beside .media (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let userId: number;

  beforeAll(async () => {
    h = await startApp(dialect);
    base = await listen(h.app);
    userId = (await makeUser(h.db)).userId;
  });
  afterAll(async () => h?.close());

  /** A video whose original is `bytes`, already served once by the route and once by the fast path. */
  async function servedVideo(bytes: Buffer): Promise<{ id: string; etag: string }> {
    const id = await makeVideo(h, userId, { contentType: 'video/mp4' });
    const file = path.join(h.config.video_dir, id);
    writeFileSync(file, bytes);
    // A whole second, so that a copy can carry exactly the same modification time.
    const second = Math.floor(Date.now() / 1000) - 60;
    utimesSync(file, second, second);
    const before = h.app.fastPathServed();
    await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' });
    const warm = await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' });
    expect(h.app.fastPathServed()).toBe(before + 1);
    return { id, etag: warm.headers.etag! };
  }

  it('a faststart remux renamed over the original (same size and mtime, new inode) gets a new ETag at once', async () => {
    const old = randomBytes(64 * 1024);
    const { id, etag } = await servedVideo(old);
    const file = path.join(h.config.video_dir, id);
    const { mtimeMs, ino } = statSync(file);
    const remuxed = randomBytes(old.length);
    const tmp = path.join(h.config.video_dir, `.faststart-${randomBytes(8).toString('hex')}.part`);
    writeFileSync(tmp, remuxed);
    utimesSync(tmp, mtimeMs / 1000, mtimeMs / 1000);
    renameSync(tmp, file);
    expect(statSync(file).ino).not.toBe(ino);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    const replacedAt = Date.now();
    // The watch on video_dir retires the cached descriptor well within the fast path's trust window.
    let now = await rawRequest(base, 'GET', `/videos/${id}`);
    for (let i = 0; i < 40 && now.headers.etag === etag; i++) {
      expect(now.body.equals(old)).toBe(true);
      await new Promise((r) => setTimeout(r, 10));
      now = await rawRequest(base, 'GET', `/videos/${id}`);
    }
    expect(now.headers.etag).not.toBe(etag);
    expect(Date.now() - replacedAt).toBeLessThan(FILE_RECHECK_MS);
    expect(now.body.equals(remuxed)).toBe(true);
    // A client resuming with the old tag gets the whole new file, never a range of it mixed in.
    const resumed = await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=10-19', 'if-range': etag });
    expect(resumed.status).toBe(200);
    expect(resumed.body.equals(remuxed)).toBe(true);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { 'if-none-match': etag })).status).toBe(200);
  });

  it.each([
    `/videos/${MEDIA_DIR}`,
    `/videos/%2Emedia`,
    `/videos/%2Emedia%2Fx`,
    `/videos/..%2F${MEDIA_DIR}`,
    `/videos/.tus`,
  ])('GET %s can never serve anything under .media (400)', async (p) => {
    const res = await rawRequest(base, 'GET', p);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).error_code).toBe('001');
  });

  it('a file named like a video id inside .media is not an original', async () => {
    const id = await makeVideo(h, userId, { contentType: 'video/mp4' });
    const { gen } = await installGeneration(h, id);
    writeFileSync(path.join(h.config.video_dir, MEDIA_DIR, 'plain'), 'not a video');
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${gen}`)).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${id}/poster.jpg`)).status).toBe(200);
  });

  it('the temp-upload sweep leaves .media and everything in it alone', async () => {
    const id = await makeVideo(h, userId);
    const { gen } = await installGeneration(h, id);
    const dir = generationDir(h.config.video_dir, id, gen);
    const leftover = path.join(h.config.video_dir, `.upload-${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}.part`);
    writeFileSync(leftover, 'x');
    mkdirSync(path.join(h.config.video_dir, MEDIA_DIR, id, `.tmp-${gen}`), { recursive: true });
    const old = new Date(Date.now() - 86_400_000);
    for (const p of [leftover, dir, path.join(h.config.video_dir, MEDIA_DIR)]) utimesSync(p, old, old);
    expect(await sweepTempUploads(h.config.video_dir)).toBe(1);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(path.join(dir, 'poster.jpg'))).toBe(true);
  });

  it('an unused derived file is let go after the idle time (its generation can be removed)', async () => {
    const id = await makeVideo(h, userId);
    await installGeneration(h, id);
    expect((await rawRequest(base, 'GET', `/videos/${id}/thumb.jpg`)).status).toBe(200);
    await until('the descriptor is released', () => h.app.connectionLimiter.inUse() === 0);
    const held = h.app.derivedFiles.size();
    expect(held).toBeGreaterThan(0);
    h.app.derivedFiles.closeIdle(60_000, Date.now() + 30_000);
    expect(h.app.derivedFiles.size()).toBe(held);
    h.app.derivedFiles.closeIdle(60_000, Date.now() + 61_000);
    expect(h.app.derivedFiles.size()).toBe(0);
  });
});
