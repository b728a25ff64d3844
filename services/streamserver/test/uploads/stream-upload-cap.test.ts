import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, mp4Bytes, rawRequest, startApp, until, type Harness } from '../helper.js';
import { errorBody, OCTETS, tusClient, uploadIdOf, videoLike } from '../helpers/tus-helper.js';

const boundary = 'cap-boundary-1234';
const partHead = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;

function multipart(file: Buffer): Buffer {
  return Buffer.concat([Buffer.from(partHead), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

describe.each(testDialects())('upload_max_per_user (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    h = await startApp(dialect, { upload_max_per_user: 1, min_free_disk_mb: 0, max_upload_mb: 16 });
    base = await listen(h.app);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await h?.close();
  });

  /** A multipart upload over a raw socket that sends its head and a first chunk, then stalls. */
  async function stalledUpload(sessionId: string, vid: string): Promise<net.Socket> {
    const u = new URL(base);
    const sock = net.connect(Number(u.port), u.hostname);
    sockets.push(sock);
    sock.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    sock.write(
      `POST /upload/${vid} HTTP/1.1\r\nHost: ${u.host}\r\nX-Session-Id: ${sessionId}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`,
    );
    sock.write(Buffer.concat([Buffer.from(partHead), mp4Bytes()]));
    return sock;
  }

  it('a second concurrent upload of the same user is 429 008 with Retry-After; another user is unaffected; the slot comes back', async () => {
    const alice = await makeUser(h.db);
    const bob = await makeUser(h.db);
    const held = await stalledUpload(alice.sessionId, await makeVideo(h, alice.userId));
    await until('the first upload in progress', () => h.app.connectionLimiter.inUse() === 1);
    // Give the handler time to pass its checks (session, video) and take the user's slot.
    const second = await makeVideo(h, alice.userId);
    let res = await rawRequest(base, 'POST', `/upload/${second}`, { 'x-session-id': alice.sessionId, 'content-type': `multipart/form-data; boundary=${boundary}` }, multipart(mp4Bytes()));
    for (let i = 0; i < 50 && res.status === 201; i++) {
      res = await rawRequest(base, 'POST', `/upload/${second}`, { 'x-session-id': alice.sessionId, 'content-type': `multipart/form-data; boundary=${boundary}` }, multipart(mp4Bytes()));
    }
    expect(res.status).toBe(429);
    expect(errorBody(res).error_code).toBe('008');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);

    // A tus PATCH counts too.
    const c = tusClient(base, alice.sessionId);
    const file = videoLike(mp4Bytes(), 4096);
    const id = uploadIdOf(await c.create(await makeVideo(h, alice.userId), file.length));
    const patch = await c.patch(id, 0, file);
    expect(patch.status).toBe(429);

    const other = await rawRequest(base, 'POST', `/upload/${await makeVideo(h, bob.userId)}`, { 'x-session-id': bob.sessionId, 'content-type': `multipart/form-data; boundary=${boundary}` }, multipart(mp4Bytes()));
    expect(other.status).toBe(201);

    held.destroy();
    await until('the slot released', () => h.app.connectionLimiter.inUse() === 0);
    const after = await c.patch(id, 0, file, { 'content-type': OCTETS });
    expect(after.status).toBe(204);
  });
});
