import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUploadFiles } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, mp4Bytes, rawRequest, startApp, type Harness } from '../../helper.js';
import { OCTETS, tusClient, uploadIdOf, videoLike } from '../../helpers/tus-helper.js';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sizeOnDisk = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
};

describe.each(testDialects())('tus resume after a cut connection (%s)', (dialect) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startApp(dialect, { max_upload_mb: 16 });
    base = await listen(h.app);
  });
  afterAll(async () => h?.close());

  it('keeps what arrived before the cut; HEAD gives it; the rest completes a byte-identical file', async () => {
    const { userId, sessionId } = await makeUser(h.db);
    const c = tusClient(base, sessionId);
    const vid = await makeVideo(h, userId);
    const file = videoLike(mp4Bytes(), 6 * MiB + 123);
    const id = uploadIdOf(await c.create(vid, file.length));
    const data = tusUploadFiles(h.config.video_dir, id).data;

    // A PATCH announcing the whole file whose client sends half of it, then disappears.
    const u = new URL(base);
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    sock.write(
      `PATCH /files/${id} HTTP/1.1\r\nHost: ${u.host}\r\nTus-Resumable: 1.0.0\r\nX-Session-Id: ${sessionId}\r\n` +
        `Content-Type: ${OCTETS}\r\nUpload-Offset: 0\r\nContent-Length: ${file.length}\r\n\r\n`,
    );
    const half = Math.floor(file.length / 2);
    sock.write(file.subarray(0, half));
    await until(() => sizeOnDisk(data) >= 1 * MiB, 10_000, 'the first bytes on disk');
    sock.destroy();

    // The server notices, keeps the bytes it wrote and frees the lock and the limiter slot.
    await until(async () => (await c.head(id)).status === 200 && h.app.connectionLimiter.inUse() === 0, 10_000, 'HEAD after the cut');
    const res = await c.head(id);
    const offset = Number(res.headers['upload-offset']);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(half);
    expect(offset).toBe(sizeOnDisk(data));
    expect(res.headers['upload-length']).toBe(String(file.length));

    // A wrong offset is still refused; the right one continues.
    expect((await c.patch(id, 0, file.subarray(0, 10))).status).toBe(409);
    const rest = await c.patch(id, offset, file.subarray(offset));
    expect(rest.status).toBe(204);
    expect(rest.headers['upload-offset']).toBe(String(file.length));

    const got = await rawRequest(base, 'GET', `/videos/${vid}`);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(file));
    expect(h.app.connectionLimiter.inUse()).toBe(0);
  });
});
