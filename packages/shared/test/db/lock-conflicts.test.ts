import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, connectDatabase, insertUser, toAppError, transactionWithRetry, type Db } from '../../src/index.js';
import { openTestDb } from '../../src/testing/index.js';

describe('lock conflicts are never a 5xx', () => {
  it.each([
    ['a deadlock', { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }],
    ['a lock wait timeout', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205, sqlState: 'HY000' }],
  ])('%s that reaches the error handler is 409 007', (_name, err) => {
    const appErr = toAppError(Object.assign(new Error('driver'), err));
    expect(appErr.statusCode).toBe(409);
    expect(appErr.errorCode).toBe('007');
  });
});

const mysql = process.env.TEST_MYSQL_URL;
if (!mysql) console.warn('lock-conflicts MySQL tests SKIPPED: set TEST_MYSQL_URL to force real InnoDB deadlocks.');

describe.skipIf(!mysql)('transactionWithRetry on MySQL', () => {
  let db: Db;
  let close: () => Promise<void>;
  let a = 0;
  let b = 0;
  beforeAll(async () => {
    ({ db, close } = await openTestDb('mysql'));
    a = await insertUser(db.kysely, { user_name: 'lock_a', pwd_hash: 'x', create_time: 1 });
    b = await insertUser(db.kysely, { user_name: 'lock_b', pwd_hash: 'x', create_time: 1 });
  });
  afterAll(async () => close?.());

  const touch = (trx: Parameters<Parameters<typeof transactionWithRetry>[1]>[0], id: number, t: number) =>
    trx.updateTable('users').set({ create_time: t }).where('id', '=', id).execute();

  it('a real deadlock between two transactions: the victim runs again and both commit', async () => {
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<void>((r) => (release = r));
    const meet = async () => {
      arrived += 1;
      if (arrived === 2) release();
      await bothHoldOne;
    };
    // Each locks one row, waits until the other holds its row, then wants the other's: a cycle.
    const crosswise = (first: number, second: number, t: number) =>
      transactionWithRetry(db, async (trx) => {
        attempts += 1;
        await touch(trx, first, t);
        await meet();
        await touch(trx, second, t);
        return t;
      });
    const results = await Promise.allSettled([crosswise(a, b, 2), crosswise(b, a, 3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(attempts).toBe(3);
  });

  it('a lock wait timeout is 409 007 at once (it already waited)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db.kysely.transaction().execute(async (trx) => {
      await touch(trx, a, 4);
      locked();
      await held;
    });
    await isLocked;
    let attempts = 0;
    const err = await transactionWithRetry(db, async (trx) => {
      attempts += 1;
      await sql`set session innodb_lock_wait_timeout = 1`.execute(trx);
      await touch(trx, a, 5);
    }).catch((e: unknown) => e);
    release();
    await holder;
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).statusCode).toBe(409);
    expect((err as AppError).errorCode).toBe('007');
    expect(attempts).toBe(1);
  });
});

describe.skipIf(!mysql)('a server out of connections on MySQL', () => {
  const user = `lim_${Math.random().toString(36).slice(2, 8)}`;
  let root: Db;
  let close: () => Promise<void>;
  let limitedUrl = '';
  beforeAll(async () => {
    let testUrl = '';
    ({ db: root, close, test: { url: testUrl } } = await openTestDb('mysql'));
    const dbName = new URL(testUrl).pathname.slice(1);
    // A user allowed one connection: the pool's second connection is refused as a full server would.
    await sql.raw(`create user '${user}'@'%' identified by 'pw' with max_user_connections 1`).execute(root.kysely);
    await sql.raw(`create user '${user}'@'localhost' identified by 'pw' with max_user_connections 1`).execute(root.kysely);
    for (const host of ['%', 'localhost']) await sql.raw(`grant all on \`${dbName}\`.* to '${user}'@'${host}'`).execute(root.kysely);
    const u = new URL(testUrl);
    u.username = user;
    u.password = 'pw';
    limitedUrl = u.toString();
  });
  afterAll(async () => {
    await sql.raw(`drop user if exists '${user}'@'%'`).execute(root.kysely);
    await sql.raw(`drop user if exists '${user}'@'localhost'`).execute(root.kysely);
    await close?.();
  });

  it('queries wait for a connection instead of failing while the server refuses new ones', async () => {
    const limited = connectDatabase(limitedUrl, { connectionLimit: 4 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => sql`select sleep(0.05) as s`.execute(limited.kysely)));
      expect(results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    } finally {
      await limited.close();
    }
  });
});
