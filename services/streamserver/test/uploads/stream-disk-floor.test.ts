import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { freeMb } from '../../src/uploads/disk-floor.js';
import { listen, makeUser, makeVideo, mp4Bytes, rawRequest, startApp, type Harness } from '../helper.js';
import { errorBody, storeEntries, tusClient, uploadIdOf } from '../helpers/tus-helper.js';

/** More than any disk has: the floor is always under water. */
const HUGE = 1024 * 1024 * 1024;

function multipart(file: Buffer): { body: Buffer; type: string } {
  const boundary = 'floor-boundary-1234';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe.each(testDialects())('min_free_disk_mb: uploads are refused with 507 012 below the floor (%s)', (dialect) => {
  let low: Harness;
  let ok: Harness;
  let lowBase: string;
  let okBase: string;

  beforeAll(async () => {
    low = await startApp(dialect, { min_free_disk_mb: HUGE });
    ok = await startApp(dialect, { min_free_disk_mb: 0 });
    lowBase = await listen(low.app);
    okBase = await listen(ok.app);
  });
  afterAll(async () => {
    await low?.close();
    await ok?.close();
  });

  it('freeMb reads the video disk', async () => {
    expect(await freeMb(low.config.video_dir)).toBeGreaterThan(0);
  });

  it('multipart: 507 012 with a clear message, nothing stored', async () => {
    const { userId, sessionId } = await makeUser(low.db);
    const vid = await makeVideo(low, userId);
    const { body, type } = multipart(mp4Bytes());
    const res = await rawRequest(lowBase, 'POST', `/upload/${vid}`, { 'x-session-id': sessionId, 'content-type': type }, body);
    expect(res.status).toBe(507);
    expect(errorBody(res)).toMatchObject({ error_code: '012' });
    expect(errorBody(res).error).toMatch(/disk space/);
    expect(readdirSync(low.config.video_dir).filter((n) => n !== '.tus' && !n.startsWith('.tus'))).toEqual([]);
    expect(low.app.connectionLimiter.inUse()).toBe(0);
  });

  it('tus creation: 507 012, no upload created', async () => {
    const { userId, sessionId } = await makeUser(low.db);
    const vid = await makeVideo(low, userId);
    const res = await tusClient(lowBase, sessionId).create(vid, 1000);
    expect(res.status).toBe(507);
    expect(errorBody(res).error_code).toBe('012');
    expect(storeEntries(low.config.video_dir)).toEqual([]);
  });

  it('with the floor off the same upload succeeds (multipart and tus)', async () => {
    const { userId, sessionId } = await makeUser(ok.db);
    const vid = await makeVideo(ok, userId);
    const { body, type } = multipart(mp4Bytes());
    const res = await rawRequest(okBase, 'POST', `/upload/${vid}`, { 'x-session-id': sessionId, 'content-type': type }, body);
    expect(res.status).toBe(201);
    const created = await tusClient(okBase, sessionId).create(await makeVideo(ok, userId), 1000);
    expect(created.status).toBe(201);
    expect(uploadIdOf(created)).toMatch(/^[0-9a-f]{32}$/);
  });
});
