import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { newCommentState } from '../../src/comments/comment-policy.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, publish, type User } from '../fixtures/public-site.js';
import { call, commentAs, postAs, type CommentBody } from '../fixtures/comment-threads.js';
import { setRole } from '../reports/report-fixtures.js';

describe('newCommentState', () => {
  it.each([
    ['open', false, 'visible'],
    ['open', true, 'visible'],
    ['approval', false, 'pending'],
    ['approval', true, 'visible'],
    ['closed', true, 'visible'],
  ] as const)('%s, by the owner %s -> %s', (policy, byOwner, state) => {
    expect(newCommentState(policy, byOwner)).toBe(state);
  });
  it('closed, by someone else -> 403', () => {
    expect(() => newCommentState('closed', false)).toThrow(/closed/);
  });
});

describe.each(testDialects())('comment policy on %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let alice: User;
  let bob: User;
  let carol: User;
  let mod: User;

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    [owner, alice, bob, carol, mod] = await Promise.all(['owner', 'alice', 'bob', 'carol', 'mod'].map((p) => signUp(t.app, uniqueName(p))));
    await setRole(t, mod!, 'moderator');
  });
  afterAll(async () => t?.close());

  const setPolicy = (user: User, vid: string, body: object) =>
    t.app.inject({ method: 'PATCH', url: `/user/${user.name}/videos/${vid}`, headers: { 'x-session-id': user.sid }, payload: body });
  async function policyVideo(policy: 'open' | 'approval' | 'closed') {
    const v = await publish(t, owner);
    const res = await setPolicy(owner, v.id, { comments_policy: policy });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ comments_policy: policy });
    return v;
  }
  const ids = async (url: string, user?: User) => {
    const res = await call(t, 'GET', url, user);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { comments: CommentBody[] }).comments.map((c) => c.id);
  };
  const counts = async (vid: string) => {
    const v = await t.db.kysely.selectFrom('video_info').select('comments_count').where('id', '=', vid).executeTakeFirstOrThrow();
    return Number(v.comments_count);
  };
  const notes = async (vid: string) =>
    (await t.db.kysely.selectFrom('notifications').select(['user_id', 'type']).where('video_id', '=', vid).execute()).map((n) => `${Number(n.user_id)}:${n.type}`).sort();

  it.each([
    ['an unknown policy', () => owner, { comments_policy: 'moderated' }, 400, '001'],
    ['not a string', () => owner, { comments_policy: 1 }, 400, '001'],
    ["someone else's video", () => alice, { comments_policy: 'closed' }, 403, '005'],
  ])('PATCH comments_policy: %s', async (_l, user, body, status, code) => {
    const v = await publish(t, owner);
    const u = user();
    const res = await t.app.inject({ method: 'PATCH', url: `/user/${owner.name}/videos/${v.id}`, headers: { 'x-session-id': u.sid }, payload: body });
    expectError(res, status, code);
  });

  it('every video shows its policy, open by default', async () => {
    const v = await publish(t, owner);
    expect(v).toMatchObject({ comments_policy: 'open', hidden: false });
    expect((await call(t, 'GET', `/videos/${v.id}`)).json()).toMatchObject({ comments_policy: 'open' });
  });

  it('approval: a held comment is seen by its author, the owner and moderators only, uncounted and unannounced until approved', async () => {
    const v = await policyVideo('approval');
    const held = await commentAs(t, alice, v.id, `hello @${carol.name}`);
    expect(held).toMatchObject({ state: 'pending' });
    const mine = await commentAs(t, owner, v.id, 'the owner speaks');
    expect(mine).toMatchObject({ state: 'visible' });
    const url = `/videos/${v.id}/comments`;
    expect(await ids(url, alice)).toEqual([mine.id, held.id]);
    expect(await ids(url, owner)).toEqual([mine.id, held.id]);
    expect(await ids(url, mod)).toEqual([mine.id, held.id]);
    expect(await ids(url, bob)).toEqual([mine.id]);
    expect(await ids(url)).toEqual([mine.id]);
    expect(await counts(v.id)).toBe(1);
    // The owner hears that something waits; the mention waits for the approval.
    expect(await notes(v.id)).toEqual([`${owner.id}:comment`]);
    expect(await ids(`${url}?state=pending`, owner)).toEqual([held.id]);
    expectError(await call(t, 'GET', `${url}?state=pending`, alice), 403, '005');
    expectError(await call(t, 'GET', `${url}?state=pending`), 403, '005');
    expectError(await call(t, 'GET', `${url}?state=visible`, owner), 400, '001');

    expectError(await call(t, 'POST', `${url}/${held.id}/approve`, bob), 403, '005');
    expectError(await call(t, 'POST', `${url}/${held.id}/approve`, alice), 403, '005');
    expectError(await call(t, 'POST', `${url}/${held.id}/approve`), 401, '002');
    expectError(await call(t, 'POST', `${url}/${MISSING}/approve`, owner), 404, '006');
    expectError(await call(t, 'POST', `/videos/${MISSING}/comments/${held.id}/approve`, owner), 404, '006');
    expect((await call(t, 'POST', `${url}/${held.id}/approve`, owner)).statusCode).toBe(204);
    expect((await call(t, 'POST', `${url}/${held.id}/approve`, owner)).statusCode).toBe(204);
    expect(await ids(url, bob)).toEqual([mine.id, held.id]);
    expect(await counts(v.id)).toBe(2);
    expect(await notes(v.id)).toEqual([`${owner.id}:comment`, `${carol.id}:mention`].sort());
    expect(await ids(`${url}?state=pending`, owner)).toEqual([]);
  });

  it('approval: replies are held too, uncounted on their parent; a moderator may approve; deleting a held one keeps the counts', async () => {
    const v = await policyVideo('approval');
    const top = await commentAs(t, owner, v.id, 'top');
    const reply = await commentAs(t, alice, v.id, 'a reply', top.id);
    const other = await commentAs(t, bob, v.id, 'another reply', top.id);
    expect(reply.state).toBe('pending');
    const replies = `/videos/${v.id}/comments/${top.id}/replies`;
    expect(await ids(replies, alice)).toEqual([reply.id]);
    expect(await ids(replies, owner)).toEqual([reply.id, other.id]);
    expect(await ids(replies)).toEqual([]);
    expect((await call(t, 'GET', `/videos/${v.id}/comments`)).json().comments[0]).toMatchObject({ id: top.id, replies_count: 0 });
    expectError(await postAs(t, bob, v.id, 'reply to a held one', reply.id), 400, '001');
    expectError(await call(t, 'PUT', `/videos/${v.id}/comments/${reply.id}/pin`, owner), 400, '001');
    expect((await call(t, 'POST', `/videos/${v.id}/comments/${reply.id}/approve`, mod)).statusCode).toBe(204);
    expect(await ids(replies)).toEqual([reply.id]);
    expect((await call(t, 'GET', `/videos/${v.id}/comments`)).json().comments[0]).toMatchObject({ replies_count: 1 });
    expect(await notes(v.id)).toContain(`${owner.id}:reply`);
    expect(await counts(v.id)).toBe(2);
    expect((await call(t, 'DELETE', `/videos/${v.id}/comments/${other.id}`, bob)).statusCode).toBe(204);
    expect(await counts(v.id)).toBe(2);
    const held = await commentAs(t, carol, v.id, 'held top');
    expect((await call(t, 'DELETE', `/videos/${v.id}/comments/${held.id}`, owner)).statusCode).toBe(204);
    expect(await counts(v.id)).toBe(2);
    // The top-level comment goes with its approved reply.
    expect((await call(t, 'DELETE', `/videos/${v.id}/comments/${top.id}`, owner)).statusCode).toBe(204);
    expect(await counts(v.id)).toBe(0);
  });

  it('closed: anyone but the owner is refused with 403 005, replies too; the owner still comments', async () => {
    const v = await policyVideo('open');
    const before = await commentAs(t, alice, v.id, 'said before closing');
    await setPolicy(owner, v.id, { comments_policy: 'closed' });
    const refused = await postAs(t, alice, v.id, 'too late');
    expectError(refused, 403, '005');
    expect(refused.json().error).toMatch(/closed/);
    expectError(await postAs(t, bob, v.id, 'a reply', before.id), 403, '005');
    expect(await commentAs(t, owner, v.id, 'still mine', before.id)).toMatchObject({ state: 'visible' });
    expect(await ids(`/videos/${v.id}/comments`)).toEqual([before.id]);
    expect(await counts(v.id)).toBe(2);
    await setPolicy(owner, v.id, { comments_policy: 'open' });
    expect(await commentAs(t, alice, v.id, 'open again')).toMatchObject({ state: 'visible' });
  });
});
