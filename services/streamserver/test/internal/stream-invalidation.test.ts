import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softDeleteVideo } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { internalTokenMatches } from '../../src/internal/internal-route.js';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, type Harness } from '../helper.js';

const TOKEN = 'internal-test-token-0123456789';

describe('internalTokenMatches', () => {
  it.each<[string, string, unknown, boolean]>([
    ['the same token', TOKEN, TOKEN, true],
    ['another token of the same length', TOKEN, TOKEN.replace('0', 'x'), false],
    ['a prefix', TOKEN, TOKEN.slice(0, 5), false],
    ['no header', TOKEN, undefined, false],
    ['a repeated header', TOKEN, [TOKEN, TOKEN], false],
    ['no token configured', '', '', false],
  ])('%s → %s', (_name, expected, presented, ok) => {
    expect(internalTokenMatches(expected, presented)).toBe(ok);
  });
});

describe.each(testDialects())('a changed video leaves the row cache at once (%s)', (dialect) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    // A long TTL: only the invalidation can make the next GET a 404.
    h = await startApp(dialect, { internal_token: TOKEN }, { rowCacheMs: 60_000 });
    base = await listen(h.app);
  });
  afterAll(async () => h?.close());

  const changed = (id: string, headers: Record<string, string>) => rawRequest(base, 'POST', `/internal/videos/${id}/changed`, headers);

  it('a deleted video is 404 on the fast path and the route right after the invalidation', async () => {
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId, { fixture: MP4, contentType: 'video/mp4' });
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' })).status).toBe(206);
    await softDeleteVideo(h.db.kysely, id, userId, Date.now());
    // Without the invalidation the cached row still serves it (the TTL is long here).
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
    expect((await changed(id, { 'x-internal-token': TOKEN })).status).toBe(204);
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(404);
    expect((await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' })).status).toBe(404);
    expect((await rawRequest(base, 'HEAD', `/videos/${id}`)).status).toBe(404);
  });

  it.each<[string, Record<string, string>]>([
    ['no token', {}],
    ['a wrong token', { 'x-internal-token': 'nope' }],
  ])('%s → 403 005 and the row stays cached', async (_name, headers) => {
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId, { fixture: MP4, contentType: 'video/mp4' });
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
    await softDeleteVideo(h.db.kysely, id, userId, Date.now());
    const res = await changed(id, headers);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: '005' });
    expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
  });

  it('a malformed id is 400', async () => {
    expect((await changed('..%2Fx', { 'x-internal-token': TOKEN })).status).toBe(400);
  });
});
