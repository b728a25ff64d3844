import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tus from 'tus-js-client';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, mp4Bytes, rawRequest, startApp, type Harness } from '../../helper.js';
import { errorBody, tusClient, uploadIdOf, videoLike } from '../../helpers/tus-helper.js';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(testDialects())('tus: a PATCH at a stale Upload-Offset (%s)', (dialect) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startApp(dialect, { max_upload_mb: 8 });
    base = await listen(h.app);
  });
  afterAll(async () => h?.close());

  it('is 409 007 (not "interrupted") even when its body was never read, and the connection still answers', async () => {
    const { userId, sessionId } = await makeUser(h.db);
    const c = tusClient(base, sessionId);
    const file = videoLike(mp4Bytes(), 3 * MiB);
    const id = uploadIdOf(await c.create(await makeVideo(h, userId), file.length));
    expect((await c.patch(id, 0, file.subarray(0, 1000))).headers['upload-offset']).toBe('1000');

    // A large body: the refusal comes before most of it is read.
    const stale = await c.patch(id, 0, file.subarray(0, 2 * MiB));
    expect(stale.status).toBe(409);
    expect(errorBody(stale).error_code).toBe('007');
    expect(errorBody(stale).error).not.toMatch(/interrupted/);

    const after = await c.head(id);
    expect(after.status).toBe(200);
    expect(after.headers['upload-offset']).toBe('1000');
    const rest = await c.patch(id, 1000, file.subarray(1000));
    expect(rest.status).toBe(204);
    expect(rest.headers['upload-offset']).toBe(String(file.length));
    expect(h.app.connectionLimiter.inUse()).toBe(0);
  });

  it('tus-js-client retries a 409 after a HEAD and finishes a byte-identical file', async () => {
    const { userId, sessionId } = await makeUser(h.db);
    const vid = await makeVideo(h, userId);
    const file = videoLike(mp4Bytes(), 3 * MiB + 17);
    const c = tusClient(base, sessionId);
    let moved = false;
    let conflicts = 0;
    const done = new Promise<void>((resolve, reject) => {
      const upload = new tus.Upload(file, {
        endpoint: `${base}/files/`,
        headers: { 'x-session-id': sessionId },
        metadata: { video_id: vid, filename: 'clip.mp4' },
        retryDelays: [0, 50, 100],
        // Another request moves the offset between the client's creation and its first PATCH,
        // as a second tab or a lost answer would: the client's PATCH at 0 is then stale.
        onBeforeRequest: async (req) => {
          if (req.getMethod() !== 'PATCH' || moved) return;
          moved = true;
          const id = req.getURL().slice(req.getURL().lastIndexOf('/') + 1);
          const res = await c.patch(id, 0, file.subarray(0, 1000));
          if (res.status !== 204) throw new Error(`the out-of-band PATCH got ${res.status}`);
        },
        onAfterResponse: (_req, res) => {
          if (res.getStatus() === 409) conflicts++;
        },
        onSuccess: () => resolve(),
        onError: reject,
      });
      upload.start();
    });
    await done;
    expect(moved).toBe(true);
    expect(conflicts).toBe(1);
    const got = await rawRequest(base, 'GET', `/videos/${vid}`);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(file));
  });
});
