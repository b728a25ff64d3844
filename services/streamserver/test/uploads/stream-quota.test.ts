import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAnyVideo } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { quotaLeft } from '../../src/uploads/user-quota.js';
import { listen, makeUser, makeVideo, mp4Bytes, rawRequest, startApp, type Harness } from '../helper.js';
import { errorBody, storeEntries, tusClient, videoLike } from '../helpers/tus-helper.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function multipart(file: Buffer): { body: Buffer; type: string } {
  const boundary = 'quota-boundary-1234';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('quotaLeft', () => {
  it.each<[number, number, number]>([
    [0, 10 * MiB, Infinity],
    [1, 0, MiB],
    [1, 300 * KiB, 724 * KiB],
    [1, 2 * MiB, 0],
  ])('quota %i MiB, %i stored → %d left', (quota, stored, left) => {
    expect(quotaLeft(quota, stored)).toBe(left);
  });
});

describe.each(testDialects())('user_quota_mb (%s)', (dialect) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startApp(dialect, { user_quota_mb: 1, min_free_disk_mb: 0 });
    base = await listen(h.app);
  });
  afterAll(async () => h?.close());

  /** A user who already stores 700 KiB in one video. */
  async function userNearQuota() {
    const u = await makeUser(h.db);
    const stored = await makeVideo(h, u.userId);
    await h.db.kysely.updateTable('video_info').set({ size: 700 * KiB, upload_state: 'ready' }).where('id', '=', stored).execute();
    return { ...u, stored };
  }
  const leftovers = () => readdirSync(h.config.video_dir).filter((n) => n.startsWith('.upload-'));

  it('multipart: a declared length over the quota is 413 009 before the body', async () => {
    const u = await userNearQuota();
    const vid = await makeVideo(h, u.userId);
    // Over the quota by more than the 1 MiB allowed for the form around the file.
    const big = multipart(videoLike(mp4Bytes(), 1900 * KiB));
    const res = await rawRequest(base, 'POST', `/upload/${vid}`, { 'x-session-id': u.sessionId, 'content-type': big.type }, big.body);
    expect(res.status).toBe(413);
    expect(errorBody(res)).toMatchObject({ error_code: '009' });
    expect(errorBody(res).error).toMatch(/quota/);
  });

  it('multipart: a chunked body that crosses the quota is cut off and leaves nothing behind', async () => {
    const u = await userNearQuota();
    const vid = await makeVideo(h, u.userId);
    const { body, type } = multipart(videoLike(mp4Bytes(), 500 * KiB));
    const res = await rawRequest(
      base,
      'POST',
      `/upload/${vid}`,
      { 'x-session-id': u.sessionId, 'content-type': type, 'transfer-encoding': 'chunked' },
      body,
    );
    expect(res.status).toBe(413);
    expect(errorBody(res).error).toMatch(/quota/);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(h.config.video_dir)).not.toContain(vid);
    expect(await findAnyVideo(h.db.kysely, vid)).toMatchObject({ upload_state: 'pending' });
  });

  it('a replaced upload counts its new size, not both', async () => {
    const u = await userNearQuota();
    const { body, type } = multipart(videoLike(mp4Bytes(), 900 * KiB));
    const res = await rawRequest(base, 'POST', `/upload/${u.stored}`, { 'x-session-id': u.sessionId, 'content-type': type, 'transfer-encoding': 'chunked' }, body);
    expect(res.status).toBe(201);
  });

  it('tus: an Upload-Length over the quota is 413 009 and creates nothing', async () => {
    const u = await userNearQuota();
    const vid = await makeVideo(h, u.userId);
    const before = storeEntries(h.config.video_dir);
    const res = await tusClient(base, u.sessionId).create(vid, 400 * KiB);
    expect(res.status).toBe(413);
    expect(errorBody(res).error).toMatch(/quota/);
    expect(storeEntries(h.config.video_dir)).toEqual(before);
    expect((await tusClient(base, u.sessionId).create(vid, 300 * KiB)).status).toBe(201);
  });
});
