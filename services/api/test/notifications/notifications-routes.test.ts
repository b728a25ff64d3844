import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { announceNotifications, notify, type NotifyInput } from '../../src/notifications/notify.js';
import { expectError, signUp, uniqueName, type TestApp, buildTestApp } from '../helper.js';
import { ROOMY_LIMITS, getAs, patchVideo, publish, type User } from '../fixtures/public-site.js';

type Item = { id: string; type: string; read: boolean; count: number; actor: { id: number; user_name: string } | null; video: { id: string; name: string } | null; comment: unknown };
type List = { notifications: Item[]; next_cursor: string | null; unread_count: number };

describe.each(testDialects())('notifications on %s', (dialect) => {
  let t: TestApp;
  let me: User;
  let other: User;
  const list = async (user: User, query = ''): Promise<List> => {
    const res = await getAs(t, `/user/${user.name}/notifications${query}`, user.sid);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as List;
  };
  const tell = async (n: Partial<NotifyInput> & { userId: number }) => {
    const s = await notify(t.db.kysely, { type: 'follow', actorId: other.id, ...n });
    announceNotifications([s]);
    return s;
  };
  const markRead = (user: User, payload: unknown) =>
    t.app.inject({ method: 'POST', url: `/user/${user.name}/notifications/read`, headers: { 'x-session-id': user.sid }, payload: payload as object });

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    me = await signUp(t.app, uniqueName('me'));
    other = await signUp(t.app, uniqueName('other'));
  });
  afterAll(async () => t?.close());

  it.each([
    ['no session', () => ({ url: `/user/${me.name}/notifications`, headers: {} }), 401, '002'],
    ['another user', () => ({ url: `/user/${other.name}/notifications`, headers: { 'x-session-id': me.sid } }), 403, '005'],
    ['bad cursor', () => ({ url: `/user/${me.name}/notifications?cursor=zz`, headers: { 'x-session-id': me.sid } }), 400, '001'],
    ['limit 0', () => ({ url: `/user/${me.name}/notifications?limit=0`, headers: { 'x-session-id': me.sid } }), 400, '001'],
  ])('GET %s: error', async (_l, req, status, code) => {
    expectError(await t.app.inject({ method: 'GET', ...req() }), status, code);
  });

  it.each([
    ['neither ids nor all', {}, 400],
    ['too many ids', { ids: Array.from({ length: 101 }, (_, i) => `id${i}`) }, 400],
    ['all false', { all: false }, 400],
  ])('POST read with %s: 400', async (_l, payload, status) => {
    expectError(await markRead(me, payload), status, '001');
  });

  it('never notifies of one’s own action', async () => {
    expect(await notify(t.db.kysely, { userId: me.id, type: 'follow', actorId: me.id })).toBeNull();
  });

  it('lists newest first with actor, pages by cursor, counts unread, marks read (ids of others ignored)', async () => {
    const user = await signUp(t.app, uniqueName('reader'));
    const v1 = await publish(t, other, { name: 'first clip' });
    const v2 = await publish(t, other, { name: 'second clip' });
    const a = await tell({ userId: user.id, type: 'new_video', videoId: v1.id });
    const b = await tell({ userId: user.id, type: 'new_video', videoId: v2.id });
    const c = await tell({ userId: user.id, type: 'follow' });
    const theirs = await tell({ userId: me.id, type: 'follow' });
    const whole = await list(user);
    expect(whole.notifications.map((n) => n.id)).toEqual([c!.id, b!.id, a!.id]);
    expect(whole.unread_count).toBe(3);
    expect(whole.notifications[1]).toMatchObject({ type: 'new_video', read: false, count: 1, actor: { id: other.id, user_name: other.name }, video: { id: v2.id, name: 'second clip' }, comment: null });
    const first = await list(user, '?limit=2');
    expect(first.notifications.map((n) => n.id)).toEqual([c!.id, b!.id]);
    const second = await list(user, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.notifications.map((n) => n.id)).toEqual([a!.id]);
    expect(second.next_cursor).toBeNull();

    expect((await markRead(user, { ids: [a!.id, theirs!.id] })).statusCode).toBe(204);
    expect((await list(me)).notifications.find((n) => n.id === theirs!.id)?.read).toBe(false);
    const after = await list(user, '?unread=1');
    expect(after.notifications.map((n) => n.id)).toEqual([c!.id, b!.id]);
    expect(after.unread_count).toBe(2);
    expect((await markRead(user, { all: true })).statusCode).toBe(204);
    const done = await list(user);
    expect(done.unread_count).toBe(0);
    expect(done.notifications.every((n) => n.read)).toBe(true);
  });

  it('folds a burst on one video within 60 s into one unread item with a count; a read item is not reopened', async () => {
    const user = await signUp(t.app, uniqueName('owner'));
    const third = await signUp(t.app, uniqueName('third'));
    const video = await publish(t, user, { name: 'busy' });
    const now = Date.now();
    const first = await tell({ userId: user.id, type: 'comment', videoId: video.id, now });
    for (let i = 1; i < 10; i++) {
      const s = await tell({ userId: user.id, type: 'comment', videoId: video.id, actorId: i % 2 ? third.id : other.id, now: now + i });
      expect(s?.id).toBe(first!.id);
    }
    const body = await list(user);
    expect(body.notifications).toHaveLength(1);
    expect(body.notifications[0]).toMatchObject({ id: first!.id, count: 10, actor: { id: third.id } });
    // Outside the window, and after reading, a new item starts.
    const late = await tell({ userId: user.id, type: 'comment', videoId: video.id, now: now + 61_000 });
    expect(late!.id).not.toBe(first!.id);
    await markRead(user, { all: true });
    const fresh = await tell({ userId: user.id, type: 'comment', videoId: video.id, now: now + 61_010 });
    expect(fresh!.id).not.toBe(late!.id);
    expect((await list(user)).notifications.map((n) => n.count)).toEqual([1, 1, 10]);
  });

  it('never shows the name of a video the user may not read', async () => {
    const user = await signUp(t.app, uniqueName('watcher'));
    const video = await publish(t, other, { name: 'secret plans' });
    await tell({ userId: user.id, type: 'new_video', videoId: video.id });
    expect((await list(user)).notifications[0]?.video).toEqual({ id: video.id, name: 'secret plans' });
    await patchVideo(t, other, video.id, { privacy: 'private' });
    const hidden = await getAs(t, `/user/${user.name}/notifications`, user.sid);
    expect(hidden.body).not.toContain('secret plans');
    expect((hidden.json() as List).notifications[0]).toMatchObject({ type: 'new_video', video: null, comment: null });
    // The author still sees their own video named (a takedown names what was removed).
    const own = await tell({ userId: other.id, type: 'takedown', actorId: null, videoId: video.id });
    expect((await list(other)).notifications.find((n) => n.id === own!.id)?.video).toEqual({ id: video.id, name: 'secret plans' });
  });

  it('tells nobody of the actions of someone they blocked', async () => {
    const user = await signUp(t.app, uniqueName('blocker'));
    await t.db.kysely.insertInto('blocks').values({ user_id: user.id, blocked_id: other.id, time: Date.now() }).execute();
    expect(await notify(t.db.kysely, { userId: user.id, type: 'mention', actorId: other.id })).toBeNull();
  });
});
