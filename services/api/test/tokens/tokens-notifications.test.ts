import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_SECONDS, signAccessToken, tokenKeysFromPem, type Db, type TokenKeys } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { generateKeyPairSync } from 'node:crypto';
import { notificationEvents, notify, announceNotifications } from '../../src/notifications/notify.js';
import { seedUser } from '../fixtures/danmaku-fixtures.js';
import { Bell, buildNotificationsApp } from '../notifications/notification-client.js';

describe.each(testDialects())('the notification socket with an access token (%s)', (dialect) => {
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let keys: TokenKeys;
  const bells: Bell[] = [];
  const open = async (token: string) => {
    const b = await Bell.open(base, { authorization: `Bearer ${token}` });
    bells.push(b);
    return b;
  };
  const tokenFor = (userId: number, now = Date.now()) => signAccessToken(keys, { userId, userName: 'n', familyId: 'f' }, now);

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb(dialect));
    keys = tokenKeysFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    app = await buildNotificationsApp(testConfig(), db, { events: notificationEvents, live: { sweepMs: 200, pollMs: 200 } });
    app.decorate('tokenKeys', keys);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(() => {
    for (const b of bells.splice(0)) b.close();
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
  });

  it('opens with a good token and pushes to its user; a bad token is a plain 401', async () => {
    const user = await seedUser(db);
    const actor = await seedUser(db);
    const bell = await open(await tokenFor(user.id));
    const stored = await notify(db.kysely, { userId: user.id, type: 'follow', actorId: actor.id });
    announceNotifications([stored]);
    await bell.next((m) => m.id === stored!.id);
    await expect(Bell.open(base, { authorization: 'Bearer nope' })).rejects.toThrow('401');
  });

  it('closes when the account is banned', async () => {
    const user = await seedUser(db);
    const bell = await open(await tokenFor(user.id));
    await db.kysely.updateTable('users').set({ banned_at: Date.now() }).where('id', '=', user.id).execute();
    await bell.until(() => bell.closeCode !== undefined, 3000, 'close');
    expect(bell.closeCode).toBe(4401);
  });

  it('closes when the token expires, and not before', async () => {
    const user = await seedUser(db);
    // Issued so that it expires 4 s from now (exp is in whole seconds, and a loaded machine may take a second to open the socket).
    const bell = await open(await tokenFor(user.id, Date.now() - ACCESS_TOKEN_SECONDS * 1000 + 4000));
    await new Promise((r) => setTimeout(r, 600));
    expect(bell.closeCode).toBeUndefined();
    await bell.until(() => bell.closeCode !== undefined, 7000, 'close');
    expect(bell.closeCode).toBe(4401);
  });
});
