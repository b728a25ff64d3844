import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSession, type VideoPrivacy } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, MP4, mp4Bytes, rawRequest, startApp, type Harness } from '../helper.js';

const TOKEN = 'internal-test-token-private-videos';
type Reader = 'owner by header' | 'owner by cookie' | 'another user' | 'visitor' | 'an unknown session' | "the owner's expired session";

describe.each(testDialects())('a private video on the stream server (%s)', (dialect) => {
  let h: Harness;
  let base: string;
  let owner: { userId: number; sessionId: string };
  let other: { userId: number; sessionId: string };
  let expired: string;
  const videos = new Map<VideoPrivacy, string>();
  const size = mp4Bytes().length;

  const setPrivacy = (id: string, privacy: VideoPrivacy) => h.db.kysely.updateTable('video_info').set({ privacy }).where('id', '=', id).execute();
  const headersOf = (reader: Reader): Record<string, string> => {
    switch (reader) {
      case 'owner by header': return { 'x-session-id': owner.sessionId };
      case 'owner by cookie': return { cookie: `theme=dark; session=${encodeURIComponent(owner.sessionId)}` };
      case 'another user': return { 'x-session-id': other.sessionId };
      case 'an unknown session': return { 'x-session-id': randomUUID() };
      case "the owner's expired session": return { 'x-session-id': expired };
      default: return {};
    }
  };

  beforeAll(async () => {
    h = await startApp(dialect, { internal_token: TOKEN }, { rowCacheMs: 60_000 });
    base = await listen(h.app);
    owner = await makeUser(h.db);
    other = await makeUser(h.db);
    expired = randomUUID();
    await insertSession(h.db.kysely, { id: expired, user_id: owner.userId, create_time: 1, expires_at: 2 });
    for (const privacy of ['public', 'unlisted', 'private'] as VideoPrivacy[]) {
      const id = await makeVideo(h, owner.userId, { fixture: MP4, contentType: 'video/mp4' });
      await setPrivacy(id, privacy);
      videos.set(privacy, id);
    }
  });
  afterAll(async () => h?.close());

  const READERS: Reader[] = ['owner by header', 'owner by cookie', 'another user', 'visitor', 'an unknown session', "the owner's expired session"];
  const isOwner = (r: Reader) => r.startsWith('owner by');
  const matrix = (['public', 'unlisted', 'private'] as VideoPrivacy[]).flatMap((p) =>
    READERS.flatMap((r) => (['GET', 'HEAD'] as const).map((m) => [p, r, m, p !== 'private' || isOwner(r) ? 200 : 404] as const)),
  );

  it.each(matrix)('%s video, %s, %s -> %i', async (privacy, reader, method, status) => {
    const res = await rawRequest(base, method, `/videos/${videos.get(privacy)}`, headersOf(reader));
    expect(res.status).toBe(status);
    if (status === 200) {
      expect(res.headers['content-length']).toBe(String(size));
      expect(res.body.length).toBe(method === 'GET' ? size : 0);
    } else if (method === 'GET') {
      expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: '006' });
    }
  });

  it('for anyone but the owner a private video is the same 404 as an unknown id', async () => {
    const priv = await rawRequest(base, 'GET', `/videos/${videos.get('private')}`, headersOf('another user'));
    const unknown = await rawRequest(base, 'GET', `/videos/${randomUUID()}`, headersOf('another user'));
    expect(priv.status).toBe(unknown.status);
    expect(JSON.parse(priv.body.toString())).toEqual(JSON.parse(unknown.body.toString()));
  });

  it('ranges and conditional requests work for the owner, and stay 404 for others', async () => {
    const id = videos.get('private');
    const ranged = await rawRequest(base, 'GET', `/videos/${id}`, { ...headersOf('owner by header'), range: 'bytes=0-9' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 0-9/${size}`);
    expect(ranged.body.equals(mp4Bytes().subarray(0, 10))).toBe(true);
    const etag = String(ranged.headers.etag);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { ...headersOf('owner by cookie'), 'if-none-match': etag })).status).toBe(304);
    for (const extra of [{ range: 'bytes=0-9' }, { 'if-none-match': etag }, { range: 'bytes=999999999-' }] as Record<string, string>[]) {
      expect((await rawRequest(base, 'GET', `/videos/${id}`, { ...headersOf('another user'), ...extra })).status).toBe(404);
    }
  });

  it('a video made private after it was streamed is 404 at once for others once the api says it changed', async () => {
    const id = await makeVideo(h, owner.userId, { fixture: MP4, contentType: 'video/mp4' });
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
    await setPrivacy(id, 'private');
    expect((await rawRequest(base, 'POST', `/internal/videos/${id}/changed`, { 'x-internal-token': TOKEN })).status).toBe(204);
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, headersOf('another user'))).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, headersOf('owner by header'))).status).toBe(200);
    await setPrivacy(id, 'unlisted');
    expect((await rawRequest(base, 'POST', `/internal/videos/${id}/changed`, { 'x-internal-token': TOKEN })).status).toBe(204);
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
  });

  it('many visitors in a row never get a private file from a warm path', async () => {
    const id = videos.get('private');
    await rawRequest(base, 'GET', `/videos/${id}`, headersOf('owner by header'));
    const statuses = await Promise.all(Array.from({ length: 10 }, () => rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-0' })));
    expect(statuses.map((r) => r.status)).toEqual(Array(10).fill(404));
  });
});
