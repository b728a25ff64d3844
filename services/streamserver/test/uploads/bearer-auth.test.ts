import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken, tokenKeysFromPem, type TokenKeys } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, mp4Bytes, rawRequest, startApp, type Harness } from '../helper.js';
import { metadata, OCTETS, TUS, uploadIdOf } from '../helpers/tus-helper.js';

const BOUNDARY = 'bearer-test-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

function form(data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

describe.each(testDialects())('Authorization: Bearer on the stream server (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let keys: TokenKeys;
  let owner: { userId: number; sessionId: string };
  let other: { userId: number; sessionId: string };
  const tokenOf = (userId: number, signer = keys, now = Date.now()) => signAccessToken(signer, { userId, userName: 'n', familyId: 'f' }, now);
  const bearer = async (userId: number, signer = keys, now = Date.now()) => ({ authorization: `Bearer ${await tokenOf(userId, signer, now)}` });

  beforeAll(async () => {
    // The key the api signs with: both services read the same jwt_private_key.
    const shared = pem();
    keys = tokenKeysFromPem(shared);
    h = await startApp(dialect, { jwt_private_key: shared });
    base = await listen(h.app);
    owner = await makeUser(h.db);
    other = await makeUser(h.db);
  });
  afterAll(async () => h?.close());

  const upload = (id: string, headers: Record<string, string>) =>
    rawRequest(base, 'POST', `/upload/${id}`, { 'content-type': MULTIPART, ...headers }, form(mp4Bytes()));

  it('uploads with the owner’s access token', async () => {
    const id = await makeVideo(h, owner.userId);
    const res = await upload(id, await bearer(owner.userId));
    expect(res.status, res.body.toString()).toBe(201);
    expect(JSON.parse(res.body.toString())).toMatchObject({ success: true, id, size: mp4Bytes().length });
  });

  it.each<[string, () => Promise<Record<string, string>>, number, string]>([
    ['another user’s token', () => bearer(other.userId), 403, '005'],
    ['a token signed by a foreign key', () => bearer(owner.userId, tokenKeysFromPem(pem())), 401, '002'],
    ['an expired token', () => bearer(owner.userId, keys, Date.now() - 16 * 60_000), 401, '002'],
    ['garbage', async () => ({ authorization: 'Bearer abc.def.ghi' }), 401, '002'],
  ])('%s -> %i', async (_label, headers, status, code) => {
    const id = await makeVideo(h, owner.userId);
    const res = await upload(id, await headers());
    expect(res.status, res.body.toString()).toBe(status);
    expect(JSON.parse(res.body.toString()).error_code).toBe(code);
  });

  it('a banned user’s token is refused at once', async () => {
    const user = await makeUser(h.db);
    const id = await makeVideo(h, user.userId);
    const headers = await bearer(user.userId);
    await h.db.kysely.updateTable('users').set({ banned_at: Date.now() }).where('id', '=', user.userId).execute();
    expect((await upload(id, headers)).status).toBe(401);
  });

  it('serves a private file to its owner’s token only; a bad token is 401, not a visitor', async () => {
    const id = await makeVideo(h, owner.userId, { fixture: MP4, contentType: 'video/mp4' });
    await h.db.kysely.updateTable('video_info').set({ privacy: 'private' }).where('id', '=', id).execute();
    const own = await rawRequest(base, 'GET', `/videos/${id}`, await bearer(owner.userId));
    expect(own.status).toBe(200);
    expect(own.body.length).toBe(mp4Bytes().length);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, await bearer(other.userId))).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, await bearer(owner.userId, tokenKeysFromPem(pem())))).status).toBe(401);
  });

  it('tus: creates, patches and finishes an upload with an access token; refuses a foreign one', async () => {
    const id = await makeVideo(h, owner.userId);
    const bytes = mp4Bytes();
    const auth = { ...TUS, ...(await bearer(owner.userId)) };
    const created = await rawRequest(base, 'POST', '/files', { ...auth, 'upload-length': String(bytes.length), 'upload-metadata': metadata({ video_id: id }) });
    expect(created.status, created.body.toString()).toBe(201);
    const uploadId = uploadIdOf(created);
    const foreign = { ...TUS, ...(await bearer(owner.userId, tokenKeysFromPem(pem()))) };
    expect((await rawRequest(base, 'HEAD', `/files/${uploadId}`, foreign)).status).toBe(401);
    const patched = await rawRequest(
      base,
      'PATCH',
      `/files/${uploadId}`,
      { ...auth, 'content-type': OCTETS, 'upload-offset': '0', 'content-length': String(bytes.length) },
      bytes,
    );
    expect(patched.status, patched.body.toString()).toBe(204);
    const served = await rawRequest(base, 'GET', `/videos/${id}`);
    expect(served.status).toBe(200);
    expect(served.body.equals(bytes)).toBe(true);
  });
});
