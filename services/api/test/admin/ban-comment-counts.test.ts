import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, postComment, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, getAs, publish, withSession, type User } from '../fixtures/public-site.js';
import { adminCall, ban, ok, unban, userWithRole } from './admin-fixtures.js';

/** The counters count what readers see: a banned author's comments leave them and come back, and deletes keep them right. */
describe.each(testDialects())('comment counters across a ban (%s)', (dialect) => {
  let t: TestApp;
  let owner: User;
  let spammer: User;
  let mod: User;
  let video: string;
  let thread: string;
  const counts = async () => {
    const record = ok<{ comments_count: number }>(await getAs(t, `/videos/${video}`));
    const list = ok<{ comments: { id: string; replies_count: number }[] }>(await getAs(t, `/videos/${video}/comments`));
    return { comments: record.comments_count, replies: list.comments.find((c) => c.id === thread)?.replies_count };
  };
  /** A ban ends every session: after an unban the user signs in again. */
  const signInAgain = async (u: User) => {
    const res = await t.app.inject({ method: 'POST', url: `/user/${u.name}`, payload: { user_name: u.name, pwd: 'secret-pwd' } });
    u.sid = ok<{ session_id: string }>(res).session_id;
  };
  const reply = async (u: User, content: string) =>
    ok<{ id: string }>(await t.app.inject({ method: 'POST', url: `/videos/${video}/comments`, headers: withSession(u.sid), payload: { content, parent_id: thread } }), 201).id;

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    [owner, spammer] = await Promise.all([signUp(t.app, uniqueName('owner')), signUp(t.app, uniqueName('spam'))]);
    mod = await userWithRole(t, 'moderator', 'mod');
    video = (await publish(t, owner, { name: 'counted' })).id;
    thread = (await postComment(t.app, owner.sid, video, 'the thread')).id;
  });
  afterAll(async () => t?.close());

  it('a ban takes the comments and replies off the counters, an unban puts them back', async () => {
    await postComment(t.app, spammer.sid, video, 'buy now');
    await reply(spammer, 'buy now, really');
    await reply(owner, 'no thanks');
    expect(await counts()).toEqual({ comments: 4, replies: 2 });
    await ban(t, mod, spammer);
    expect(await counts()).toEqual({ comments: 2, replies: 1 });
    // A ban repeated with a new reason counts again, and changes nothing.
    await ban(t, mod, spammer, 'still spam');
    expect(await counts()).toEqual({ comments: 2, replies: 1 });
    await unban(t, mod, spammer);
    expect(await counts()).toEqual({ comments: 4, replies: 2 });
    await signInAgain(spammer);
  });

  it('deleting a banned author’s reply while banned takes nothing more off; the unban counts what is left', async () => {
    const spam = await reply(spammer, 'one more');
    expect(await counts()).toEqual({ comments: 5, replies: 3 });
    await ban(t, mod, spammer);
    expect(await counts()).toEqual({ comments: 2, replies: 1 });
    ok(await adminCall(t, 'DELETE', `/admin/comments/${spam}`, mod.sid), 204);
    expect(await counts()).toEqual({ comments: 2, replies: 1 });
    await unban(t, mod, spammer);
    expect(await counts()).toEqual({ comments: 4, replies: 2 });
  });

  it('deleting a thread counts only its visible replies by authors not banned', async () => {
    await ban(t, mod, spammer);
    ok(await t.app.inject({ method: 'DELETE', url: `/videos/${video}/comments/${thread}`, headers: withSession(owner.sid) }), 204);
    expect((await counts()).comments).toBe(0);
    await unban(t, mod, spammer);
    // The spammer's top-level comment is all that is left.
    expect((await counts()).comments).toBe(1);
  });
});
