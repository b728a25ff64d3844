import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { notificationEvents, notify, announceNotifications } from '../../src/notifications/notify.js';
import { seedUser, type SeededUser } from '../fixtures/danmaku-fixtures.js';
import { Bell, buildNotificationsApp } from './notification-client.js';

describe.each(testDialects())('live notifications on one instance (%s)', (dialect) => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let actor: SeededUser;
  const bells: Bell[] = [];
  const open = async (headers: Record<string, string>) => {
    const b = await Bell.open(base, headers);
    bells.push(b);
    return b;
  };

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb(dialect));
    const config = testConfig({ ws_max_per_address: 3 });
    app = await buildNotificationsApp(config, db, { events: notificationEvents, live: { sweepMs: 200, pollMs: 200 } });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    actor = await seedUser(db);
  });
  afterEach(async () => {
    for (const b of bells.splice(0)) b.close();
    await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
  });

  it('refuses the upgrade without a live session (plain 401)', async () => {
    await expect(Bell.open(base, {})).rejects.toThrow('401');
    await expect(Bell.open(base, { 'x-session-id': '00000000-0000-4000-8000-000000000000' })).rejects.toThrow('401');
  });

  it('pushes a notification stored and announced here within 1 s, with the unread count; only to its user', async () => {
    const user = await seedUser(db);
    const bystander = await seedUser(db);
    const bell = await open({ 'x-session-id': user.session });
    const other = await open({ cookie: `sid=${bystander.session}; x=1`.replace('sid', await cookieName()) });
    const started = Date.now();
    const stored = await notify(db.kysely, { userId: user.id, type: 'follow', actorId: actor.id });
    announceNotifications([stored]);
    const got = await bell.next((m) => m.id === stored!.id);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(got).toMatchObject({ type: 'follow', read: false, count: 1, actor: { id: actor.id, user_name: actor.name }, video: null, comment: null, unread_count: 1 });
    // A coalesced event is pushed again under the same id with the new count.
    announceNotifications([await notify(db.kysely, { userId: user.id, type: 'follow', actorId: bystander.id })]);
    expect(await bell.next((m) => m.id === stored!.id && m.count === 2)).toMatchObject({ unread_count: 1, actor: { id: bystander.id } });
    await new Promise((r) => setTimeout(r, 100));
    expect(other.messages).toEqual([]);
  });

  it('finds rows stored by another process (no announce) by polling, within 1 s', async () => {
    const user = await seedUser(db);
    const bell = await open({ 'x-session-id': user.session });
    const stored = await notify(db.kysely, { userId: user.id, type: 'new_video', actorId: actor.id });
    await bell.next((m) => m.id === stored!.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(bell.messages.filter((m) => m.id === stored!.id)).toHaveLength(1);
  });

  it('closes the socket of a session that ended', async () => {
    const user = await seedUser(db);
    const bell = await open({ 'x-session-id': user.session });
    await db.kysely.deleteFrom('sessions').where('id', '=', user.session).execute();
    await bell.until(() => bell.closeCode !== undefined, 1000, 'close');
    expect(bell.closeCode).toBe(4401);
  });

  it('holds at most ws_max_per_address sockets per address', async () => {
    const user = await seedUser(db);
    for (let i = 0; i < 3; i++) await open({ 'x-session-id': user.session });
    await expect(Bell.open(base, { 'x-session-id': user.session })).rejects.toThrow('429');
  });
});

async function cookieName(): Promise<string> {
  const { SESSION_COOKIE } = await import('@video/shared');
  return SESSION_COOKIE;
}
