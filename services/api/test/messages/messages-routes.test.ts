import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { getAs, type User } from '../fixtures/public-site.js';

type Message = { id: string; from: { id: number; user_name: string }; to: { id: number; user_name: string }; content: string; time: string; read: boolean };
type Conversations = { conversations: { with: { id: number; user_name: string }; last_message: Message; unread_count: number }[] };

describe.each(testDialects())('site messages on %s', (dialect) => {
  let t: TestApp;
  let me: User;
  let you: User;
  const send = (from: User, to: string, content: string) =>
    t.app.inject({ method: 'POST', url: `/user/${from.name}/messages`, headers: { 'x-session-id': from.sid }, payload: { to, content } });
  const sent = async (from: User, to: User, content: string): Promise<Message> => {
    const res = await send(from, to.name, content);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Message;
  };
  const conversations = async (user: User) => (await getAs(t, `/user/${user.name}/conversations`, user.sid)).json() as Conversations;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    me = await signUp(t.app, uniqueName('me'));
    you = await signUp(t.app, uniqueName('you'));
  });
  afterAll(async () => t?.close());

  it.each([
    ['empty after trimming', () => ({ to: you.name, content: '   ' }), 400, '001'],
    ['2,001 characters', () => ({ to: you.name, content: 'x'.repeat(2001) }), 400, '001'],
    ['to yourself', () => ({ to: me.name, content: 'hi' }), 400, '001'],
    ['to nobody', () => ({ to: uniqueName('ghost'), content: 'hi' }), 404, '006'],
    ['no content', () => ({ to: you.name }), 400, '001'],
  ])('POST %s: error', async (_l, payload, status, code) => {
    const res = await t.app.inject({ method: 'POST', url: `/user/${me.name}/messages`, headers: { 'x-session-id': me.sid }, payload: payload() });
    expectError(res, status, code);
  });

  it('401 without a session, 403 as another user, 403 when the recipient blocked the sender', async () => {
    expectError(await t.app.inject({ method: 'POST', url: `/user/${me.name}/messages`, payload: { to: you.name, content: 'x' } }), 401, '002');
    expectError(await send({ ...you, sid: me.sid }, me.name, 'x'), 403, '005');
    expectError(await getAs(t, `/user/${you.name}/conversations`, me.sid), 403, '005');
    const blocker = await signUp(t.app, uniqueName('blocker'));
    await t.db.kysely.insertInto('blocks').values({ user_id: blocker.id, blocked_id: me.id, time: Date.now() }).execute();
    expectError(await send(me, blocker.name, 'hello?'), 403, '005');
    expect(await t.db.kysely.selectFrom('messages').select('id').where('to_id', '=', blocker.id).execute()).toEqual([]);
  });

  it('201 Message; both sides of the conversation move; the thread marks the reader’s side read', async () => {
    const a = await signUp(t.app, uniqueName('a'));
    const b = await signUp(t.app, uniqueName('b'));
    const c = await signUp(t.app, uniqueName('c'));
    const m1 = await sent(a, b, '  hello b  ');
    expect(m1).toMatchObject({ from: { id: a.id, user_name: a.name }, to: { id: b.id, user_name: b.name }, content: 'hello b', read: false });
    expect(new Date(m1.time).toISOString()).toBe(m1.time);
    await sent(c, b, 'hi from c');
    const m3 = await sent(a, b, 'again');

    const ofB = await conversations(b);
    expect(ofB.conversations.map((x) => [x.with.user_name, x.unread_count, x.last_message.id])).toEqual([
      [a.name, 2, m3.id],
      [c.name, 1, ofB.conversations[1]!.last_message.id],
    ]);
    expect((await conversations(a)).conversations).toEqual([{ with: { id: b.id, user_name: b.name }, last_message: m3, unread_count: 0 }]);

    const page1 = await getAs(t, `/user/${b.name}/conversations/${a.name}?limit=1`, b.sid);
    expect(page1.statusCode, page1.body).toBe(200);
    const body1 = page1.json() as { messages: Message[]; next_cursor: string };
    expect(body1.messages).toEqual([{ ...m3, read: true }]);
    const page2 = (await getAs(t, `/user/${b.name}/conversations/${a.name}?cursor=${body1.next_cursor}`, b.sid)).json() as { messages: Message[]; next_cursor: null };
    expect(page2).toEqual({ messages: [{ ...m1, read: true }], next_cursor: null });
    expect((await conversations(b)).conversations.map((x) => x.unread_count)).toEqual([0, 1]);
    // The sender reading the thread does not mark the recipient's copy read.
    const fromA = (await getAs(t, `/user/${a.name}/conversations/${b.name}`, a.sid)).json() as { messages: Message[] };
    expect(fromA.messages.map((m) => m.read)).toEqual([true, true]);
    const reply = await sent(b, a, 'yes?');
    expect((await conversations(a)).conversations[0]).toMatchObject({ with: { id: b.id }, unread_count: 1, last_message: { id: reply.id } });
    expect((await conversations(b)).conversations[0]).toMatchObject({ with: { id: a.id }, unread_count: 0, last_message: { id: reply.id } });
  });

  it('tells the recipient with a message notification, and reading the thread reads it', async () => {
    const a = await signUp(t.app, uniqueName('a'));
    const b = await signUp(t.app, uniqueName('b'));
    await sent(a, b, 'one');
    await sent(a, b, 'two');
    const list = async () => (await getAs(t, `/user/${b.name}/notifications`, b.sid)).json() as { notifications: { type: string; count: number; actor: { id: number }; read: boolean }[]; unread_count: number };
    expect(await list()).toMatchObject({ unread_count: 1, notifications: [{ type: 'message', count: 2, actor: { id: a.id }, read: false }] });
    await getAs(t, `/user/${b.name}/conversations/${a.name}`, b.sid);
    expect((await list()).unread_count).toBe(0);
  });

  it('404 for a thread with nobody; 400 for a cursor of another list', async () => {
    expectError(await getAs(t, `/user/${me.name}/conversations/${uniqueName('ghost')}`, me.sid), 404, '006');
    const timeCursor = Buffer.from(JSON.stringify([1, 'x'])).toString('base64url');
    expectError(await getAs(t, `/user/${me.name}/conversations/${you.name}?cursor=${timeCursor}`, me.sid), 400, '001');
  });

  it('limits a sender to 30 messages a minute: 429 008 with Retry-After', async () => {
    const a = await signUp(t.app, uniqueName('chatty'));
    const b = await signUp(t.app, uniqueName('b'));
    for (let i = 0; i < 30; i++) expect((await send(a, b.name, `m${i}`)).statusCode).toBe(201);
    const res = await send(a, b.name, 'one too many');
    expectError(res, 429, '008');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another sender is not affected.
    expect((await send(b, a.name, 'fine')).statusCode).toBe(201);
  });
});
