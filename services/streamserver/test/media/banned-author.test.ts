// A banned author's files: 404 on the stream server at once (the api tells it, even with a long row
// cache), and served again after the unban.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testConfig, testDialects } from '@video/shared/testing';
import { buildApp as buildApi } from '../../../api/src/app.js';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, type Harness } from '../helper.js';

const TOKEN = 'internal-test-token-banned-author';

describe.each(testDialects())('a banned author’s video on the stream server (%s)', (dialect) => {
  let h: Harness;
  let api: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    h = await startApp(dialect, { internal_token: TOKEN }, { rowCacheMs: 60_000 });
    base = await listen(h.app);
    api = await buildApi(testConfig({ stream_url: base, internal_token: TOKEN }), { db: h.db, logger: false });
    await api.ready();
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('200, then 404 the moment a moderator bans the author (cache notwithstanding), then 200 after the unban', async () => {
    const author = await makeUser(h.db);
    const mod = await makeUser(h.db);
    await h.db.kysely.updateTable('users').set({ role: 'moderator' }).where('id', '=', mod.userId).execute();
    const name = (await h.db.kysely.selectFrom('users').select('user_name').where('id', '=', author.userId).executeTakeFirstOrThrow()).user_name;
    const id = await makeVideo(h, author.userId, { fixture: MP4, contentType: 'video/mp4' });
    const get = () => rawRequest(base, 'GET', `/videos/${id}`, {});
    expect((await get()).status).toBe(200);
    const patch = (banned: boolean) =>
      api.inject({ method: 'PATCH', url: `/admin/users/${name}`, headers: { 'x-session-id': mod.sessionId }, payload: { banned } });
    expect((await patch(true)).statusCode).toBe(200);
    const gone = await get();
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body.toString())).toMatchObject({ error_code: '006' });
    expect((await rawRequest(base, 'HEAD', `/videos/${id}`, {})).status).toBe(404);
    expect((await patch(false)).statusCode).toBe(200);
    expect((await get()).status).toBe(200);
  });
});
