import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, postComment, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, publish, withSession, type User } from '../fixtures/public-site.js';
import { adminCall, auditRows, ok, userWithRole } from './admin-fixtures.js';

type Call = [method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object];

/** Every admin route, called with a body it would accept from a moderator. */
const ROUTES: Call[] = [
  ['GET', '/admin/users'],
  ['PATCH', '/admin/users/somebody', { banned: true }],
  ['GET', '/admin/videos'],
  ['DELETE', `/admin/videos/${MISSING}`, { reason: 'x' }],
  ['DELETE', `/admin/comments/${MISSING}`],
  ['DELETE', `/admin/danmaku/${MISSING}`],
  ['GET', '/admin/tasks'],
  ['POST', `/admin/tasks/${MISSING}/retry`],
  ['GET', '/admin/stats'],
  ['GET', '/admin/audit'],
];

describe.each(testDialects())('admin routes on %s', (dialect) => {
  let t: TestApp;
  let admin: User;
  let mod: User;
  let plain: User;
  let author: User;
  let videoId: string;

  const call = (who: User | undefined, [method, url, payload]: Call) => adminCall(t, method, url, who?.sid, payload);

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    admin = await userWithRole(t, 'admin');
    mod = await userWithRole(t, 'moderator', 'mod');
    plain = await userWithRole(t, 'user', 'plain');
    author = await userWithRole(t, 'user', 'author');
    videoId = (await publish(t, author, { name: 'Admin Target Clip' })).id;
  });
  afterAll(async () => t?.close());

  describe('who may call', () => {
    it.each(ROUTES)('%s %s without a session: 401 002', async (...route) => expectError(await call(undefined, route), 401, '002'));
    it.each(ROUTES)('%s %s as a plain user: 403 005', async (...route) => expectError(await call(plain, route), 403, '005'));
    it.each(ROUTES.filter((r) => r[0] === 'GET'))('%s %s as a moderator: 200', async (...route) => ok(await call(mod, route)));

    it('a demoted moderator is refused at the next request', async () => {
      const temp = await userWithRole(t, 'moderator', 'tmpmod');
      ok(await adminCall(t, 'GET', '/admin/stats', temp.sid));
      ok(await adminCall(t, 'PATCH', `/admin/users/${temp.name}`, admin.sid, { role: 'user' }));
      expectError(await adminCall(t, 'GET', '/admin/stats', temp.sid), 403, '005');
    });

    it.each([
      ['PATCH', '/admin/audit'],
      ['DELETE', '/admin/audit'],
      ['DELETE', '/admin/audit/1'],
      ['PATCH', '/admin/audit/1'],
      ['PUT', '/admin/audit/1'],
    ] as const)('%s %s does not exist: the log is append-only', async (method, url) => {
      const res = await adminCall(t, method, url, admin.sid, {});
      expect([404, 405]).toContain(res.statusCode);
    });
  });

  describe('bad input: 400 001, unknown targets: 404 006', () => {
    it.each<[string, Call]>([
      ['limit 0', ['GET', '/admin/users?limit=0']],
      ['limit not a number', ['GET', '/admin/users?limit=abc']],
      ['limit over 100', ['GET', '/admin/audit?limit=101']],
      ['limit 1e309 (coerced to Infinity)', ['GET', '/admin/users?limit=1e309']],
      ['offset 1e309', ['GET', '/admin/tasks?offset=1e309']],
      ['a fractional offset', ['GET', '/admin/audit?offset=1.5']],
      ['offset past the bound', ['GET', '/admin/videos?offset=10001']],
      ['an unknown video state', ['GET', '/admin/videos?state=gone']],
      ['an unknown task state', ['GET', '/admin/tasks?state=stuck']],
      ['a search too long', ['GET', `/admin/users?q=${'a'.repeat(65)}`]],
      ['an empty change', ['PATCH', '/admin/users/somebody', {}]],
      ['an unknown role', ['PATCH', '/admin/users/somebody', { role: 'owner' }]],
      ['banned not a boolean', ['PATCH', '/admin/users/somebody', { banned: 'yes' }]],
      ['banned null', ['PATCH', '/admin/users/somebody', { banned: null }]],
      ['a reason too long', ['PATCH', '/admin/users/somebody', { banned: true, reason: 'x'.repeat(501) }]],
      ['a takedown without a reason', ['DELETE', `/admin/videos/${MISSING}`, {}]],
      ['a takedown with a blank reason', ['DELETE', `/admin/videos/${MISSING}`, { reason: '   ' }]],
    ])('%s', async (_name, route) => {
      const target = route[1].includes('somebody') ? [route[0], route[1].replace('somebody', encodeURIComponent(plain.name)), route[2]] : route;
      expectError(await call(admin, target as Call), 400, '001');
    });

    it.each<[string, Call]>([
      ['an unknown user', ['PATCH', '/admin/users/nobody-at-all', { banned: true }]],
      ['an unknown video', ['DELETE', `/admin/videos/${MISSING}`, { reason: 'spam' }]],
      ['a path trick as a video id', ['DELETE', '/admin/videos/..%2F..%2Fetc', { reason: 'spam' }]],
      ['an unknown comment', ['DELETE', `/admin/comments/${MISSING}`]],
      ['an unknown danmaku', ['DELETE', `/admin/danmaku/${MISSING}`]],
      ['an unknown task', ['POST', `/admin/tasks/${MISSING}/retry`]],
    ])('%s', async (_name, route) => expectError(await call(admin, route), 404, '006'));
  });

  describe('roles and bans: who may do what to whom', () => {
    it.each<[string, () => User, () => User, object]>([
      ['a moderator changes a role', () => mod, () => plain, { role: 'moderator' }],
      ['a moderator bans an admin', () => mod, () => admin, { banned: true }],
      ['a moderator bans another moderator', () => mod, () => mod2, { banned: true }],
      ['a moderator bans themselves', () => mod, () => mod, { banned: true }],
      ['an admin changes their own role', () => admin, () => admin, { role: 'user' }],
      ['an admin bans themselves', () => admin, () => admin, { banned: true }],
    ])('%s: 403 005', async (_name, actor, target, body) => {
      expectError(await adminCall(t, 'PATCH', `/admin/users/${encodeURIComponent(target().name)}`, actor().sid, body), 403, '005');
    });
    let mod2: User;
    beforeAll(async () => {
      mod2 = await userWithRole(t, 'moderator', 'modtwo');
    });

    it('an admin grants a role, with its audit row', async () => {
      const target = await userWithRole(t, 'user', 'promote');
      const body = ok<{ role: string; user_name: string }>(await adminCall(t, 'PATCH', `/admin/users/${target.name}`, admin.sid, { role: 'moderator' }));
      expect(body).toMatchObject({ role: 'moderator', user_name: target.name });
      const me = ok<{ role: string }>(await t.app.inject({ method: 'GET', url: `/user/${target.name}`, headers: withSession(target.sid) }));
      expect(me.role).toBe('moderator');
      const row = (await auditRows(t, 'role')).find((r) => r.target_id === String(target.id));
      expect(row).toMatchObject({ actor_id: admin.id, target_type: 'user' });
      expect(JSON.parse(row!.detail)).toMatchObject({ from: 'user', to: 'moderator' });
    });

    it('an admin bans a moderator; a moderator bans and unbans a user', async () => {
      const m = await userWithRole(t, 'moderator', 'banmod');
      expect(ok<{ banned: boolean }>(await adminCall(t, 'PATCH', `/admin/users/${m.name}`, admin.sid, { banned: true })).banned).toBe(true);
      const u = await userWithRole(t, 'user', 'banme');
      const banned = ok<{ banned: boolean; ban_reason: string; banned_at: string }>(
        await adminCall(t, 'PATCH', `/admin/users/${u.name}`, mod.sid, { banned: true, reason: '  spam links  ' }),
      );
      expect(banned).toMatchObject({ banned: true, ban_reason: 'spam links' });
      expect(Date.parse(banned.banned_at)).toBeGreaterThan(0);
      const lifted = ok<{ banned: boolean; ban_reason: null }>(await adminCall(t, 'PATCH', `/admin/users/${u.name}`, mod.sid, { banned: false }));
      expect(lifted).toMatchObject({ banned: false, ban_reason: null, banned_at: null });
      const actions = (await auditRows(t)).filter((r) => r.target_id === String(u.id)).map((r) => [r.action, r.actor_id]);
      expect(actions).toEqual([
        ['ban', mod.id],
        ['unban', mod.id],
      ]);
      // Unbanning someone not banned records nothing.
      ok(await adminCall(t, 'PATCH', `/admin/users/${u.name}`, mod.sid, { banned: false }));
      expect((await auditRows(t)).filter((r) => r.target_id === String(u.id))).toHaveLength(2);
    });

    it('an admin changes a role and bans in one request: two audit rows; a moderator cannot unban a moderator', async () => {
      const u = await userWithRole(t, 'user', 'both');
      const body = ok<{ role: string; banned: boolean }>(await adminCall(t, 'PATCH', `/admin/users/${u.name}`, admin.sid, { role: 'moderator', banned: true, reason: 'rogue' }));
      expect(body).toMatchObject({ role: 'moderator', banned: true, ban_reason: 'rogue' });
      const actions = (await auditRows(t)).filter((r) => r.target_id === String(u.id)).map((r) => r.action);
      expect(actions).toEqual(['role', 'ban']);
      expectError(await adminCall(t, 'PATCH', `/admin/users/${u.name}`, mod.sid, { banned: false }), 403, '005');
      expect(ok<{ banned: boolean }>(await adminCall(t, 'PATCH', `/admin/users/${u.name}`, admin.sid, { banned: false })).banned).toBe(false);
    });

    it('a ban ends every session and refresh token at once', async () => {
      const u = await userWithRole(t, 'user', 'sessions');
      const now = Date.now();
      await t.db.kysely
        .insertInto('refresh_tokens')
        .values({ token_hash: `h${u.id}`.padEnd(64, '0'), family_id: MISSING, user_id: u.id, create_time: now, expires_at: now + 60_000 })
        .execute();
      ok(await adminCall(t, 'PATCH', `/admin/users/${u.name}`, mod.sid, { banned: true }));
      expectError(await t.app.inject({ method: 'GET', url: '/session', headers: withSession(u.sid) }), 401, '002');
      const sessions = await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute();
      expect(sessions).toEqual([]);
      const token = await t.db.kysely.selectFrom('refresh_tokens').select('revoked_at').where('user_id', '=', u.id).executeTakeFirstOrThrow();
      expect(token.revoked_at).not.toBeNull();
    });

    it('email addresses are shown to admins only', async () => {
      await t.db.kysely.updateTable('users').set({ email: 'plain@example.test' }).where('id', '=', plain.id).execute();
      const asAdmin = ok<{ users: Record<string, unknown>[] }>(await adminCall(t, 'GET', `/admin/users?q=${plain.name}`, admin.sid));
      expect(asAdmin.users).toEqual([expect.objectContaining({ user_name: plain.name, email: 'plain@example.test', role: 'user', banned: false })]);
      const asMod = ok<{ users: Record<string, unknown>[] }>(await adminCall(t, 'GET', `/admin/users?q=${plain.name}`, mod.sid));
      expect(asMod.users).toHaveLength(1);
      expect(asMod.users[0]).not.toHaveProperty('email');
    });
  });

  describe('lists', () => {
    it('users: by part of the name, case-folded, wildcards literal, paged', async () => {
      const part = plain.name.slice(2, 8).toUpperCase();
      const hits = ok<{ users: { user_name: string }[] }>(await adminCall(t, 'GET', `/admin/users?q=${encodeURIComponent(part)}`, mod.sid));
      expect(hits.users.map((u) => u.user_name)).toContain(plain.name);
      const wild = ok<{ users: unknown[] }>(await adminCall(t, 'GET', `/admin/users?q=${encodeURIComponent('%_')}`, mod.sid));
      expect(wild.users).toEqual([]);
      const first = ok<{ users: { id: number }[]; next_offset: number | null }>(await adminCall(t, 'GET', '/admin/users?limit=2', mod.sid));
      expect(first.users).toHaveLength(2);
      expect(first.next_offset).toBe(2);
      const second = ok<{ users: { id: number }[] }>(await adminCall(t, 'GET', '/admin/users?limit=2&offset=2', mod.sid));
      expect(second.users[0]!.id).toBeGreaterThan(first.users[1]!.id);
    });

    it('videos: by title or id, and by each state', async () => {
      const uploading = (await publish(t, author, { name: 'Admin Uploading' }, false)).id;
      const failed = (await publish(t, author, { name: 'Admin Failed' })).id;
      const ready = (await publish(t, author, { name: 'Admin Ready' })).id;
      const hidden = (await publish(t, author, { name: 'Admin Hidden' })).id;
      const setTask = (id: string, state: 'failed' | 'done') => t.db.kysely.updateTable('video_tasks').set({ state }).where('video_id', '=', id).execute();
      await setTask(failed, 'failed');
      await setTask(ready, 'done');
      await t.db.kysely.updateTable('video_info').set({ hidden_at: Date.now() }).where('id', '=', hidden).execute();
      const ids = async (query: string) =>
        ok<{ videos: { id: string; state: string }[] }>(await adminCall(t, 'GET', `/admin/videos?limit=100&${query}`, mod.sid)).videos.map((v) => v.id);
      expect(await ids('state=uploading')).toContain(uploading);
      expect(await ids('state=failed')).toEqual(expect.arrayContaining([failed]));
      expect(await ids('state=ready')).toContain(ready);
      expect(await ids('state=processing')).toContain(videoId);
      expect(await ids('state=hidden')).toEqual([hidden]);
      expect(await ids('state=ready')).not.toContain(failed);
      expect(await ids(`q=${videoId}`)).toEqual([videoId]);
      expect(await ids('q=target%20CLIP')).toEqual([videoId]);
      const one = ok<{ videos: Record<string, unknown>[] }>(await adminCall(t, 'GET', `/admin/videos?q=${hidden}`, mod.sid)).videos[0];
      expect(one).toMatchObject({ id: hidden, author: author.name, author_id: author.id, state: 'hidden', author_banned: false });
    });

    it('stats count what the tables hold', async () => {
      const stats = ok<Record<string, number>>(await adminCall(t, 'GET', '/admin/stats', mod.sid));
      const count = async (table: 'users' | 'video_info') =>
        Number((await t.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('deleted_at', 'is', null).executeTakeFirstOrThrow()).n);
      expect(stats.users).toBe(await count('users'));
      expect(stats.videos).toBe(await count('video_info'));
      expect(Object.keys(stats).sort()).toEqual(['failed_tasks', 'open_reports', 'storage_bytes', 'users', 'videos', 'views']);
      expect(stats.storage_bytes).toBeGreaterThan(0);
      expect(stats.failed_tasks).toBeGreaterThanOrEqual(1);
      expect(stats.open_reports).toBe(0);
    });
  });

  describe('content actions', () => {
    it('takedown: gone and purged like an owner’s delete, the owner told why, audited', async () => {
      const v = (await publish(t, author, { name: 'Take Me Down' })).id;
      const res = await adminCall(t, 'DELETE', `/admin/videos/${v}`, mod.sid, { reason: 'copyright claim' });
      expect(res.statusCode, res.body).toBe(204);
      expectError(await t.app.inject({ method: 'GET', url: `/videos/${v}` }), 404, '006');
      expect(await t.db.kysely.selectFrom('video_del_rec').select('video_id').where('video_id', '=', v).executeTakeFirst()).toBeDefined();
      const bell = ok<{ notifications: { type: string; reason: string | null; video: { id: string } | null; actor: unknown }[] }>(
        await t.app.inject({ method: 'GET', url: `/user/${author.name}/notifications`, headers: withSession(author.sid) }),
      );
      expect(bell.notifications[0]).toMatchObject({ type: 'takedown', reason: 'copyright claim', actor: null, video: { id: v } });
      const row = (await auditRows(t, 'takedown')).find((r) => r.target_id === v);
      expect(row).toMatchObject({ actor_id: mod.id, target_type: 'video' });
      expect(JSON.parse(row!.detail)).toMatchObject({ reason: 'copyright claim', name: 'Take Me Down' });
      expectError(await adminCall(t, 'DELETE', `/admin/videos/${v}`, mod.sid, { reason: 'again' }), 404, '006');
    });

    it('a comment goes with its replies, the counter kept in step', async () => {
      const v = (await publish(t, author, { name: 'Comments here' })).id;
      const top = await postComment(t.app, plain.sid, v, 'rude');
      const reply = await t.app.inject({ method: 'POST', url: `/videos/${v}/comments`, headers: withSession(author.sid), payload: { content: 'reply', parent_id: top.id } });
      expect(reply.statusCode, reply.body).toBe(201);
      await postComment(t.app, author.sid, v, 'stays');
      const count = async () => Number((await t.db.kysely.selectFrom('video_info').select('comments_count').where('id', '=', v).executeTakeFirstOrThrow()).comments_count);
      expect(await count()).toBe(3);
      expect((await adminCall(t, 'DELETE', `/admin/comments/${top.id}`, mod.sid)).statusCode).toBe(204);
      expect(await count()).toBe(1);
      expect(await t.db.kysely.selectFrom('comments').select('id').where('video_id', '=', v).execute()).toHaveLength(1);
      expect((await auditRows(t, 'delete_comment')).map((r) => r.target_id)).toContain(top.id);
      expectError(await adminCall(t, 'DELETE', `/admin/comments/${top.id}`, mod.sid), 404, '006');
    });

    it('a danmaku is deleted, audited', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/danmaku/v3/',
        headers: withSession(plain.sid),
        payload: { id: videoId, time: 1, text: 'spam', color: 16777215, type: 0 },
      });
      const id = ok<{ data: { id: string } }>(res).data.id;
      expect((await adminCall(t, 'DELETE', `/admin/danmaku/${id}`, mod.sid)).statusCode).toBe(204);
      expect(await t.db.kysely.selectFrom('danmaku').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
      expect((await auditRows(t, 'delete_danmaku')).map((r) => r.target_id)).toContain(id);
    });

    it('tasks: failed ones listed; a retry queues it again now (202), once', async () => {
      const v = (await publish(t, author, { name: 'Broken file' })).id;
      await t.db.kysely.updateTable('video_tasks').set({ state: 'failed', attempts: 5, last_error: 'ffmpeg exploded', next_attempt_at: 0 }).where('video_id', '=', v).execute();
      const failed = ok<{ tasks: { id: string; state: string; last_error: string; attempts: number }[] }>(await adminCall(t, 'GET', '/admin/tasks?state=failed&limit=100', mod.sid));
      expect(failed.tasks).toContainEqual(expect.objectContaining({ id: v, state: 'failed', last_error: 'ffmpeg exploded', attempts: 5, video_name: 'Broken file' }));
      const before = Date.now();
      expect(ok<{ state: string }>(await adminCall(t, 'POST', `/admin/tasks/${v}/retry`, mod.sid), 202)).toEqual({ id: v, state: 'queued' });
      const task = await t.db.kysely.selectFrom('video_tasks').selectAll().where('video_id', '=', v).executeTakeFirstOrThrow();
      expect(task).toMatchObject({ state: 'queued', attempts: 0, last_error: null });
      expect(Number(task.next_attempt_at)).toBeGreaterThanOrEqual(before);
      expectError(await adminCall(t, 'POST', `/admin/tasks/${v}/retry`, mod.sid), 409, '007');
      expect((await auditRows(t, 'retry_task')).map((r) => r.target_id)).toContain(v);
    });
  });

  it('the audit log: newest first, with the actor, paged', async () => {
    const page = ok<{ entries: { id: number; actor: { user_name: string } | null; action: string; time: string }[]; next_offset: number | null }>(
      await adminCall(t, 'GET', '/admin/audit?limit=3', mod.sid),
    );
    expect(page.entries).toHaveLength(3);
    expect(page.next_offset).toBe(3);
    const times = page.entries.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const all = ok<{ entries: { id: number; action: string; actor: { user_name: string } | null }[] }>(await adminCall(t, 'GET', '/admin/audit?limit=100', mod.sid));
    expect(all.entries.length).toBe((await auditRows(t)).length);
    expect(all.entries.find((e) => e.action === 'retry_task')?.actor?.user_name).toBe(mod.name);
  });
});

describe.each(testDialects())('admin write limit on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, {}, { adminWritesPerMinute: 2 });
  });
  afterAll(async () => t?.close());

  it('a moderator’s writes beyond the limit are 429 008 with Retry-After; reads still work', async () => {
    const mod = await userWithRole(t, 'moderator', 'busy');
    for (let i = 0; i < 2; i++) expectError(await adminCall(t, 'DELETE', `/admin/comments/${MISSING}`, mod.sid), 404, '006');
    const res = await adminCall(t, 'DELETE', `/admin/comments/${MISSING}`, mod.sid);
    expectError(res, 429, '008');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await adminCall(t, 'GET', '/admin/stats', mod.sid)).statusCode).toBe(200);
  });
});
