import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { createVideo, expectError, postComment, signUp, uniqueName } from '../helper.js';
import { auth, me, setEmail, startKit, uniqueEmail, userUrl, verifiedUser, type Kit } from './accounts-kit.js';

describe.each(testDialects())('account deletion on %s', (dialect) => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await startKit(dialect);
  });
  afterAll(async () => kit?.close());
  const del = (user: { name: string; sid: string }, payload?: unknown, extra: Record<string, string> = {}) =>
    kit.t.app.inject({
      method: 'DELETE',
      url: userUrl(user.name),
      headers: { ...auth(user.sid), ...extra },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it.each([
    ['an array', [], 400, '001'],
    ['no pwd', {}, 400, '001'],
    ['pwd a number', { pwd: 123456 }, 400, '001'],
    ['pwd too short', { pwd: '123' }, 400, '001'],
    ['wrong pwd', { pwd: 'not-my-pwd' }, 401, '002'],
  ])('%s -> %i, and the account stays', async (_l, payload, status, code) => {
    const u = await signUp(kit.t.app);
    expectError(await del(u, payload), status, code);
    expect((await me(kit.t.app, u)).statusCode).toBe(200);
  });

  it('401 without a session, 403 for another user', async () => {
    const u = await signUp(kit.t.app);
    const v = await signUp(kit.t.app);
    expectError(await kit.t.app.inject({ method: 'DELETE', url: userUrl(u.name), payload: { pwd: 'secret-pwd' } }), 401, '002');
    expectError(await del({ name: u.name, sid: v.sid }, { pwd: 'secret-pwd' }), 403, '005');
  });

  it('without a body it is still the sign-out of this session only', async () => {
    const u = await signUp(kit.t.app);
    const other = (await kit.t.app.inject({ method: 'POST', url: userUrl(u.name), payload: { user_name: u.name, pwd: 'secret-pwd' } })).json().session_id;
    expect((await del(u)).statusCode).toBe(204);
    expect((await me(kit.t.app, u)).statusCode).toBe(401);
    expect((await me(kit.t.app, { name: u.name, sid: other })).statusCode).toBe(200);
  });

  it('deletes the account: sessions die, sign-in fails, videos are queued for purge, relations go, the name stays reserved, the address is free', async () => {
    const u = await signUp(kit.t.app, uniqueName('gone'));
    const friend = await signUp(kit.t.app);
    const email = uniqueEmail('gone');
    await setEmail(kit.t.app, u, email);
    const v1 = await createVideo(kit.t.app, u, 'first');
    const v2 = await createVideo(kit.t.app, u, 'second');
    const theirs = await createVideo(kit.t.app, friend, 'friend video');
    const comment = await postComment(kit.t.app, u.sid, theirs.id, 'hello from a leaver');
    await kit.t.app.inject({ method: 'PUT', url: userUrl(u.name, `/following/${friend.name}`), headers: auth(u.sid) });
    await kit.t.app.inject({ method: 'PUT', url: userUrl(friend.name, `/following/${u.name}`), headers: auth(friend.sid) });
    await kit.t.app.inject({ method: 'PUT', url: userUrl(u.name, `/favorites/${theirs.id}`), headers: auth(u.sid) });
    const second = (await kit.t.app.inject({ method: 'POST', url: userUrl(u.name), payload: { user_name: u.name, pwd: 'secret-pwd' } })).json().session_id;

    expect((await del(u, { pwd: 'secret-pwd' })).statusCode).toBe(204);

    expect((await me(kit.t.app, u)).statusCode).toBe(401);
    expect((await me(kit.t.app, { name: u.name, sid: second })).statusCode).toBe(401);
    expectError(await kit.t.app.inject({ method: 'POST', url: userUrl(u.name), payload: { user_name: u.name, pwd: 'secret-pwd' } }), 401, '002');
    const k = kit.t.db.kysely;
    const recs = await k.selectFrom('video_del_rec').select('video_id').where('video_id', 'in', [v1.id, v2.id, theirs.id]).execute();
    expect(recs.map((r) => r.video_id).sort()).toEqual([v1.id, v2.id].sort());
    expect((await kit.t.app.inject({ method: 'GET', url: `/user/${u.name}/videos/${v1.id}` })).statusCode).toBe(404);
    const row = await k.selectFrom('users').selectAll().where('id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expect(row.email).toBeNull();
    expect(await k.selectFrom('follows').selectAll().where((eb) => eb.or([eb('follower_id', '=', u.id), eb('followee_id', '=', u.id)])).execute()).toEqual([]);
    const f = await k.selectFrom('users').select(['followers_count', 'following_count']).where('id', '=', friend.id).executeTakeFirstOrThrow();
    expect([Number(f.followers_count), Number(f.following_count)]).toEqual([0, 0]);
    expect(await k.selectFrom('favorites').selectAll().where('user_id', '=', u.id).execute()).toEqual([]);
    // Comments on other people's videos stay, under the reserved name.
    const kept = await k.selectFrom('comments').select('id').where('id', '=', comment.id).executeTakeFirst();
    expect(kept).toBeDefined();
    expectError(await kit.t.app.inject({ method: 'POST', url: '/user', payload: { user_name: u.name, pwd: 'secret-pwd' } }), 409, '007');
    const reuse = await kit.t.app.inject({ method: 'POST', url: '/user', payload: { user_name: uniqueName('new'), pwd: 'secret-pwd', email } });
    const fresh = reuse.json().session_id as string;
    const newName = (await kit.t.app.inject({ method: 'GET', url: '/session', headers: auth(fresh) })).json().user_name as string;
    expect((await me(kit.t.app, { name: newName, sid: fresh })).json().email).toBe(email);
    // Everywhere else the account is "no such user".
    const gone = [
      kit.t.app.inject({ method: 'GET', url: userUrl(u.name, '/videos') }),
      kit.t.app.inject({ method: 'GET', url: userUrl(u.name, '/profile') }),
      kit.t.app.inject({ method: 'PUT', url: userUrl(friend.name, `/following/${u.name}`), headers: auth(friend.sid) }),
      kit.t.app.inject({ method: 'POST', url: userUrl(friend.name, '/messages'), headers: auth(friend.sid), payload: { to: u.name, content: 'still there?' } }),
    ];
    for (const res of await Promise.all(gone)) expectError(res, 404, '006');
    // Twice: the session is gone.
    expectError(await del({ name: u.name, sid: second }, { pwd: 'secret-pwd' }), 401, '002');
  });

  it('a second request racing the first deletes once', async () => {
    const u = await signUp(kit.t.app);
    await createVideo(kit.t.app, u);
    const [a, b] = await Promise.all([del(u, { pwd: 'secret-pwd' }), del(u, { pwd: 'secret-pwd' })]);
    expect([a.statusCode, b.statusCode]).toContain(204);
    for (const r of [a, b]) expect([204, 401]).toContain(r.statusCode);
  });

  it('429 008 after 10 wrong passwords', async () => {
    const u = await signUp(kit.t.app);
    for (let i = 0; i < 10; i += 1) expectError(await del(u, { pwd: `wrong-${i}-pwd` }), 401, '002');
    expectError(await del(u, { pwd: 'secret-pwd' }), 429, '008');
    expect((await me(kit.t.app, u)).statusCode).toBe(200);
  });
});

describe.each(testDialects())('require_email_verification on %s', (dialect) => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await startKit(dialect, { require_email_verification: true });
  });
  afterAll(async () => kit?.close());

  it('an unverified account signs in but may not create a video, comment or message (403 005 saying how to fix it)', async () => {
    const ok = await verifiedUser(kit);
    const u = await signUp(kit.t.app);
    expect((await me(kit.t.app, u)).statusCode).toBe(200);
    const video = await createVideo(kit.t.app, ok);
    const attempts = [
      kit.t.app.inject({ method: 'POST', url: userUrl(u.name, '/videos'), headers: auth(u.sid), payload: { name: 'nope' } }),
      kit.t.app.inject({ method: 'POST', url: `/videos/${video.id}/comments`, headers: auth(u.sid), payload: { content: 'nope' } }),
      kit.t.app.inject({ method: 'POST', url: userUrl(u.name, '/messages'), headers: auth(u.sid), payload: { to: ok.name, content: 'nope' } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expectError(res, 403, '005');
      expect(res.json().error).toContain('/settings');
    }
    expect((await kit.t.app.inject({ method: 'POST', url: `/videos/${video.id}/comments`, headers: auth(ok.sid), payload: { content: 'fine' } })).statusCode).toBe(201);
    expect((await kit.t.app.inject({ method: 'POST', url: userUrl(ok.name, '/messages'), headers: auth(ok.sid), payload: { to: u.name, content: 'hi' } })).statusCode).toBe(201);
  });
});
