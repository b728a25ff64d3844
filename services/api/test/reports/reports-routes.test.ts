import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, publish, type User } from '../fixtures/public-site.js';
import { commentAs } from '../fixtures/comment-threads.js';
import { addDanmaku, adminList, decideAs, report, reportAs, setRole } from './report-fixtures.js';

describe.each(testDialects())('reports on %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let alice: User;
  let bob: User;
  let mod: User;
  let admin: User;
  let video: { id: string };
  let secret: { id: string };
  let comment: { id: string };
  let danmaku: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { ...ROOMY_LIMITS, auto_hide_reports: 100 });
    [owner, alice, bob, mod, admin] = await Promise.all(['owner', 'alice', 'bob', 'mod', 'admin'].map((p) => signUp(t.app, uniqueName(p))));
    await setRole(t, mod!, 'moderator');
    await setRole(t, admin!, 'admin');
    video = await publish(t, owner, { name: 'reported video' });
    secret = await publish(t, owner, { privacy: 'private' });
    comment = await commentAs(t, owner, video.id, 'a comment worth reporting');
    danmaku = await addDanmaku(t, owner, video.id, 'a danmaku');
  });
  afterAll(async () => t?.close());

  describe('POST /reports', () => {
    it.each([
      ['no session', () => null, () => ({ target: 'video', id: video.id, reason: 'spam' }), 401, '002'],
      ['unknown target kind', () => alice, () => ({ target: 'playlist', id: video.id, reason: 'spam' }), 400, '001'],
      ['unknown reason', () => alice, () => ({ target: 'video', id: video.id, reason: 'boring' }), 400, '001'],
      ['no id', () => alice, () => ({ target: 'video', reason: 'spam' }), 400, '001'],
      ['id not a string', () => alice, () => ({ target: 'video', id: 7, reason: 'spam' }), 400, '001'],
      ['note over 1000 characters', () => alice, () => ({ target: 'video', id: video.id, reason: 'spam', note: 'n'.repeat(1001) }), 400, '001'],
      ['unknown video', () => alice, () => ({ target: 'video', id: MISSING, reason: 'spam' }), 404, '006'],
      ['malformed video id', () => alice, () => ({ target: 'video', id: "x' or 1=1 --", reason: 'spam' }), 404, '006'],
      ["a stranger's report on a private video", () => alice, () => ({ target: 'video', id: secret.id, reason: 'spam' }), 404, '006'],
      ['unknown comment', () => alice, () => ({ target: 'comment', id: MISSING, reason: 'spam' }), 404, '006'],
      ['unknown danmaku', () => alice, () => ({ target: 'danmaku', id: MISSING, reason: 'spam' }), 404, '006'],
      ['unknown user', () => alice, () => ({ target: 'user', id: 'nobody_at_all_here', reason: 'spam' }), 404, '006'],
      ['malformed user name', () => alice, () => ({ target: 'user', id: '../etc', reason: 'spam' }), 404, '006'],
      ['own video', () => owner, () => ({ target: 'video', id: video.id, reason: 'spam' }), 400, '001'],
      ['own comment', () => owner, () => ({ target: 'comment', id: comment.id, reason: 'spam' }), 400, '001'],
      ['own danmaku', () => owner, () => ({ target: 'danmaku', id: danmaku, reason: 'spam' }), 400, '001'],
      ['oneself', () => owner, () => ({ target: 'user', id: owner.name, reason: 'spam' }), 400, '001'],
    ])('%s', async (_l, user, body, status, code) => {
      expectError(await reportAs(t, user(), body()), status, code);
    });

    it('a private video answers a stranger exactly like an unknown one', async () => {
      const priv = await reportAs(t, alice, { target: 'video', id: secret.id, reason: 'spam' });
      const none = await reportAs(t, alice, { target: 'video', id: MISSING, reason: 'spam' });
      expect(priv.json()).toEqual(none.json());
    });

    it('reports each kind of target, with the video it belongs to and a trimmed note', async () => {
      const v = await reportAs(t, alice, { target: 'video', id: video.id, reason: 'violent', note: '  look at 0:42  ' });
      expect(v.statusCode, v.body).toBe(201);
      expect(v.json()).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        target: 'video',
        target_id: video.id,
        video_id: video.id,
        reason: 'violent',
        note: 'look at 0:42',
        state: 'open',
        create_time: expect.stringMatching(/Z$/),
      });
      expect(await report(t, alice, 'comment', comment.id)).toMatchObject({ target: 'comment', target_id: comment.id, video_id: video.id, note: '' });
      expect(await report(t, alice, 'danmaku', danmaku)).toMatchObject({ target: 'danmaku', target_id: danmaku, video_id: video.id });
      expect(await report(t, alice, 'user', owner.name)).toMatchObject({ target: 'user', target_id: owner.name, video_id: null });
      const rows = await t.db.kysely.selectFrom('reports').select(['target_type', 'target_id', 'open_flag']).where('reporter_id', '=', alice.id).execute();
      expect(rows.find((r) => r.target_type === 'user')?.target_id).toBe(String(owner.id));
      expect(rows.every((r) => Number(r.open_flag) === 1)).toBe(true);
    });

    it('a second open report on the same target is 409; once decided, a new one is allowed', async () => {
      const first = await report(t, bob, 'comment', comment.id);
      expectError(await reportAs(t, bob, { target: 'comment', id: comment.id, reason: 'other' }), 409, '007');
      expect((await decideAs(t, mod, first.id, { state: 'dismissed' })).statusCode).toBe(200);
      const again = await report(t, bob, 'comment', comment.id, 'hateful');
      expect(again.id).not.toBe(first.id);
      expectError(await reportAs(t, bob, { target: 'comment', id: comment.id, reason: 'other' }), 409, '007');
    });

    it("a held comment is no one's to report but its author's, the owner's and moderators'", async () => {
      await t.app.inject({ method: 'PATCH', url: `/user/${owner.name}/videos/${video.id}`, headers: { 'x-session-id': owner.sid }, payload: { comments_policy: 'approval' } });
      const held = await commentAs(t, alice, video.id, 'held back');
      expectError(await reportAs(t, bob, { target: 'comment', id: held.id, reason: 'spam' }), 404, '006');
      expect((await reportAs(t, owner, { target: 'comment', id: held.id, reason: 'spam' })).statusCode).toBe(201);
      expect((await reportAs(t, mod, { target: 'comment', id: held.id, reason: 'spam' })).statusCode).toBe(201);
      await t.app.inject({ method: 'PATCH', url: `/user/${owner.name}/videos/${video.id}`, headers: { 'x-session-id': owner.sid }, payload: { comments_policy: 'open' } });
    });

    it('allows 30 reports an hour per user, then 429 008 with Retry-After (refused ones count too)', async () => {
      const eager = await signUp(t.app, uniqueName('eager'));
      const codes: number[] = [];
      for (let i = 0; i < 31; i++) codes.push((await reportAs(t, eager, { target: 'video', id: video.id, reason: 'spam' })).statusCode);
      expect(codes[0]).toBe(201);
      expect(codes.slice(1, 30).every((c) => c === 409)).toBe(true);
      const last = await reportAs(t, eager, { target: 'user', id: owner.name, reason: 'spam' });
      expectError(last, 429, '008');
      expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await reportAs(t, bob, { target: 'danmaku', id: danmaku, reason: 'spam' })).statusCode).toBe(201);
    });
  });

  describe('GET /admin/reports', () => {
    it.each([
      ['no session', () => null, '', 401, '002'],
      ['a plain user', () => alice, '', 403, '005'],
      ['an unknown state', () => mod, '?state=closed', 400, '001'],
      ['limit 0', () => mod, '?limit=0', 400, '001'],
      ['a garbage cursor', () => mod, '?cursor=!!!', 400, '001'],
    ])('%s', async (_l, user, query, status, code) => {
      const u = user();
      expectError(await t.app.inject({ url: `/admin/reports${query}`, headers: u ? { 'x-session-id': u.sid } : {} }), status, code);
    });

    it('lists open reports newest first with the reporter, a summary of the target and counts, page by page', async () => {
      const carol = await signUp(t.app, uniqueName('carol'));
      const c = await commentAs(t, bob, video.id, `${'long text '.repeat(40)}end`);
      const r1 = await report(t, carol, 'video', video.id);
      const r2 = await report(t, carol, 'comment', c.id);
      const r3 = await report(t, carol, 'user', bob.name);
      const { reports } = await adminList(t, mod, '?limit=200');
      const mine = reports.filter((r) => r.reporter === carol.name);
      expect(mine.map((r) => r.id)).toEqual([r3.id, r2.id, r1.id]);
      expect(mine[0]).toMatchObject({ target: 'user', target_id: bob.name, summary: bob.name, state: 'open', decided_by: null });
      expect(mine[1]!.summary).toHaveLength(200);
      expect(mine[2]).toMatchObject({ summary: 'reported video', video_hidden: false });
      expect(mine[2]!.target_open_reports).toBeGreaterThanOrEqual(2);
      const first = await adminList(t, admin, '?limit=1');
      expect(first.reports).toHaveLength(1);
      const second = await adminList(t, admin, `?limit=1&cursor=${first.next_cursor}`);
      expect(second.reports[0]!.id).not.toBe(first.reports[0]!.id);
      expect((await adminList(t, mod, '?state=resolved')).reports.every((r) => r.state === 'resolved')).toBe(true);
    });
  });

  describe('PATCH /admin/reports/:id', () => {
    it.each([
      ['no session', () => null, () => MISSING, { state: 'resolved' }, 401, '002'],
      ['a plain user', () => alice, () => MISSING, { state: 'resolved' }, 403, '005'],
      ['state open', () => mod, () => MISSING, { state: 'open' }, 400, '001'],
      ['no state', () => mod, () => MISSING, {}, 400, '001'],
      ['note over 1000 characters', () => mod, () => MISSING, { state: 'resolved', note: 'x'.repeat(1001) }, 400, '001'],
      ['unknown report', () => mod, () => MISSING, { state: 'resolved' }, 404, '006'],
      ['malformed id', () => mod, () => '..%2F..%2Fetc', { state: 'resolved' }, 404, '006'],
    ] as [string, () => User | null, () => string, object, number, string][])('%s', async (_l, user, id, body, status, code) => {
      expectError(await decideAs(t, user(), id(), body), status, code);
    });

    it('decides once: decided_by, decided_at and the note are set, the audit log has it, a second decision is 409', async () => {
      const dave = await signUp(t.app, uniqueName('dave'));
      const r = await report(t, dave, 'danmaku', danmaku);
      const res = await decideAs(t, mod, r.id, { state: 'resolved', note: ' removed it ' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: r.id, state: 'resolved', decided_by: mod.name, decision_note: 'removed it', decided_at: expect.stringMatching(/Z$/) });
      const row = await t.db.kysely.selectFrom('reports').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      expect(row.open_flag).toBeNull();
      expect(Number(row.decided_by)).toBe(mod.id);
      const audit = await t.db.kysely.selectFrom('audit_log').selectAll().where('target_id', '=', r.id).execute();
      expect(audit.map((a) => ({ actor: Number(a.actor_id), action: a.action, type: a.target_type }))).toEqual([{ actor: mod.id, action: 'report.resolve', type: 'report' }]);
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ target: 'danmaku', id: danmaku, note: 'removed it' });
      expectError(await decideAs(t, admin, r.id, { state: 'dismissed' }), 409, '007');
      expect(await t.db.kysely.selectFrom('audit_log').select('id').where('target_id', '=', r.id).execute()).toHaveLength(1);
      expect((await adminList(t, mod, '?state=resolved&limit=200')).reports.some((x) => x.id === r.id)).toBe(true);
    });
  });

  describe('GET /videos/:vid/danmaku/recent', () => {
    it.each([
      ['unknown video', () => `/videos/${MISSING}/danmaku/recent`, 404, '006'],
      ["a stranger's look at a private video", () => `/videos/${secret.id}/danmaku/recent`, 404, '006'],
      ['limit 0', () => `/videos/${video.id}/danmaku/recent?limit=0`, 400, '001'],
      ['limit 101', () => `/videos/${video.id}/danmaku/recent?limit=101`, 400, '001'],
    ])('%s', async (_l, url, status, code) => {
      expectError(await t.app.inject({ url: url(), headers: { 'x-session-id': alice.sid } }), status, code);
    });

    it('lists the newest danmaku with their ids, text as written and authors', async () => {
      const v = await publish(t, owner);
      const first = await addDanmaku(t, alice, v.id, '<b>one</b>');
      await new Promise((r) => setTimeout(r, 5));
      const second = await addDanmaku(t, bob, v.id, 'two');
      const res = await t.app.inject({ url: `/videos/${v.id}/danmaku/recent?limit=10` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().danmaku.map((d: { id: string; text: string; author: string }) => [d.id, d.text, d.author])).toEqual([
        [second, 'two', bob.name],
        [first, '<b>one</b>', alice.name],
      ]);
    });
  });
});
