import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { mentionedNames } from '../../src/comments/mentions.js';
import { notificationEvents, type StoredNotification } from '../../src/notifications/notify.js';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, publish, type User } from '../fixtures/public-site.js';
import { call, commentAs, postAs } from '../fixtures/comment-threads.js';

describe('mentionedNames', () => {
  it.each([
    ['hi @bob', ['bob']],
    ['@bob, @alice!', ['bob', 'alice']],
    ['thanks @bob.', ['bob.', 'bob']],
    ['@a.b-c_d ok', ['a.b-c_d']],
    ['mail me at x@bob.com', []],
    ['@李雷 你好', ['李雷']],
    ['@@bob', ['bob']],
    [`@${'x'.repeat(65)}`, []],
    ['@bob @bob', ['bob']],
  ])('%j -> %j', (text, names) => {
    expect(mentionedNames(text)).toEqual(names);
  });
});

describe.each(testDialects())('comment notifications and blocks on %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let alice: User;
  let bob: User;
  let carol: User;
  const announced: StoredNotification[] = [];
  const listen = (s: StoredNotification) => announced.push(s);

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    owner = await signUp(t.app, uniqueName('owner'));
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    carol = await signUp(t.app, uniqueName('carol'));
    notificationEvents.on('stored', listen);
  });
  afterAll(async () => {
    notificationEvents.off('stored', listen);
    await t?.close();
  });

  const notes = async (vid: string) =>
    (await t.db.kysely.selectFrom('notifications').select(['id', 'user_id', 'type', 'actor_id', 'comment_id']).where('video_id', '=', vid).execute())
      .map((n) => ({ ...n, user_id: Number(n.user_id), actor_id: Number(n.actor_id) }))
      .sort((a, b) => a.user_id - b.user_id || a.type.localeCompare(b.type));
  const block = async (blocker: User, blocked: User) =>
    t.db.kysely.insertInto('blocks').values({ user_id: blocker.id, blocked_id: blocked.id, time: Date.now() }).execute();

  it('comment -> the owner; reply -> the parent author and the owner; never oneself; each stored one is announced', async () => {
    const v = await publish(t, owner);
    const c = await commentAs(t, alice, v.id, 'first');
    const r = await commentAs(t, bob, v.id, 'answer', c.id);
    await commentAs(t, owner, v.id, 'own comment');
    await commentAs(t, alice, v.id, 'own reply', c.id);
    const rows = await notes(v.id);
    expect(rows.map(({ user_id, type, actor_id, comment_id }) => ({ user_id, type, actor_id, comment_id }))).toEqual(
      [
        // The owner's three comment events within a minute fold into one unread item (count 3, the latest actor).
        { user_id: owner.id, type: 'comment', actor_id: alice.id, comment_id: expect.any(String) },
        { user_id: alice.id, type: 'reply', actor_id: bob.id, comment_id: r.id },
      ].sort((a, b) => a.user_id - b.user_id || a.type.localeCompare(b.type)),
    );
    const ids = new Set(announced.map((a) => a.id));
    for (const n of rows) expect(ids.has(n.id)).toBe(true);
  });

  it('mentions notify the named users once; a reply that also mentions its parent author is one reply', async () => {
    const v = await publish(t, owner);
    const c = await commentAs(t, alice, v.id, `hey @${carol.name} and @${carol.name}, also @nobody_${Date.now()} and @${alice.name}`);
    const r = await commentAs(t, bob, v.id, `@${alice.name} @${owner.name} right`, c.id);
    const rows = (await notes(v.id)).map(({ user_id, type, comment_id }) => ({ user_id, type, comment_id }));
    const expected = [
      { user_id: owner.id, type: 'comment', comment_id: c.id },
      { user_id: carol.id, type: 'mention', comment_id: c.id },
      { user_id: alice.id, type: 'reply', comment_id: r.id },
      { user_id: owner.id, type: 'mention', comment_id: r.id },
    ];
    expect(rows).toEqual(expected.sort((a, b) => a.user_id - b.user_id || a.type.localeCompare(b.type)));
  });

  it('a danmaku mention notifies the named user, not its author', async () => {
    const v = await publish(t, owner);
    const res = await call(t, 'POST', '/danmaku/v3/', bob, { id: v.id, time: 1, text: `@${carol.name} look @${bob.name}`, color: 1, type: 0 });
    expect(res.statusCode, res.body).toBe(200);
    expect((await notes(v.id)).map(({ user_id, type, comment_id }) => ({ user_id, type, comment_id }))).toEqual([
      { user_id: carol.id, type: 'mention', comment_id: null },
    ]);
  });

  it("a blocked user's comments, replies and danmaku on the blocker's videos are 403", async () => {
    const v = await publish(t, carol);
    const c = await commentAs(t, alice, v.id, 'before the block');
    const mallory = await signUp(t.app, uniqueName('mallory'));
    await block(carol, mallory);
    expectError(await postAs(t, mallory, v.id, 'let me in'), 403, '005');
    expectError(await postAs(t, mallory, v.id, 'let me in', c.id), 403, '005');
    const dm = await call(t, 'POST', '/danmaku/v3/', mallory, { id: v.id, time: 1, text: 'let me in', color: 1, type: 0 });
    expectError(dm, 403, '005');
    expect(dm.json().error).toMatch(/blocked/);
    // Elsewhere the blocked user may still comment.
    const elsewhere = await publish(t, owner);
    await commentAs(t, mallory, elsewhere.id, 'fine here');
    expect(await t.db.kysely.selectFrom('comments').select('id').where('video_id', '=', v.id).execute()).toHaveLength(1);
  });

  it("a blocked user's mention or reply notifies nobody who blocked them", async () => {
    const v = await publish(t, owner);
    const c = await commentAs(t, carol, v.id, 'carol speaks');
    const mallory = await signUp(t.app, uniqueName('mallory'));
    await block(carol, mallory);
    await commentAs(t, mallory, v.id, `@${carol.name} hello`, c.id);
    const dm = await call(t, 'POST', '/danmaku/v3/', mallory, { id: v.id, time: 2, text: `@${carol.name}`, color: 1, type: 0 });
    expect(dm.statusCode, dm.body).toBe(200);
    const rows = await notes(v.id);
    expect(rows.filter((n) => n.user_id === carol.id && n.actor_id === mallory.id)).toEqual([]);
    // The owner, who has not blocked them, still hears of the reply.
    expect(rows.filter((n) => n.actor_id === mallory.id).map((n) => [n.user_id, n.type])).toEqual([[owner.id, 'comment']]);
  });
});
