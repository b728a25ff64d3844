import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, insertUser, migrate, type Db } from '../../src/db/index.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../src/testing/index.js';
import { TEST_REDIS_URL, redisForTests } from '../../src/testing/redis.js';

const hasRedis = await redisForTests('write clock over Redis');
const redisUrl = `${TEST_REDIS_URL}/?prefix=wtcache:clock-${process.pid}-${Date.now()}:`;

const newUser = (name: string) => ({ user_name: name, pwd_hash: 'x', create_time: Date.now() });

/** Resolves the token (it may be a promise on MySQL); bounded wait for the Redis client to come up. */
async function tokenOf(db: Db): Promise<string | undefined> {
  for (let i = 0; i < 50; i++) {
    const t = await db.clock.version();
    if (t !== undefined) return t;
    await new Promise((r) => setTimeout(r, 40));
  }
  return undefined;
}

describe.each(testDialects())('write clock (%s)', (dialect) => {
  let test: TestDatabase;
  let db: Db;
  let other: Db;
  const withRedis = dialect === 'mysql' && hasRedis;

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    db = connectDatabase(test.url, withRedis ? { redisUrl } : {});
    other = connectDatabase(test.url, withRedis ? { redisUrl } : {});
    await migrate(db);
    await db.kysely.selectFrom('users').select('id').execute();
    await other.kysely.selectFrom('users').select('id').execute();
  });
  afterAll(async () => {
    await db?.close();
    await other?.close();
    await test?.drop();
  });

  it('an autocommit write to a watched table advances it; a read, or a write that changed no row, does not', async () => {
    const before = db.clock.local();
    await insertUser(db.kysely, newUser('clock_a'));
    expect(db.clock.local()).toBe(before + 1);
    await db.kysely.selectFrom('users').selectAll().execute();
    await sql`select 1`.execute(db.kysely);
    await db.kysely.updateTable('users').set({ ban_reason: 'x' }).where('user_name', '=', 'nobody-here').execute();
    expect(db.clock.local()).toBe(before + 1);
  });

  it('writes to tables no cached read shows (sessions, view reports, task leases) do not advance it', async () => {
    const user = await db.kysely.selectFrom('users').select('id').where('user_name', '=', 'clock_a').executeTakeFirstOrThrow();
    const before = db.clock.local();
    await db.kysely.insertInto('sessions').values({ id: 'c'.repeat(32), user_id: Number(user.id), create_time: 1, expires_at: Date.now() + 60_000 }).execute();
    await db.kysely.deleteFrom('sessions').where('id', '=', 'c'.repeat(32)).execute();
    await db.kysely.insertInto('video_view_reports').values({ video_id: 'v1', viewer: 'x', first_at: 1, counted_at: null }).execute();
    await db.kysely.updateTable('video_tasks').set({ claimed_until: 5, updated_at: 5 }).where('video_id', '=', 'none').execute();
    expect(db.clock.local()).toBe(before);
  });

  it('a transaction advances it once, after its commit, and not at all when rolled back', async () => {
    const before = db.clock.local();
    let inside = -1;
    await db.kysely.transaction().execute(async (trx) => {
      await insertUser(trx, newUser('clock_b'));
      await trx.updateTable('users').set({ ban_reason: 'y' }).where('user_name', '=', 'clock_b').execute();
      inside = db.clock.local();
    });
    expect(inside).toBe(before);
    expect(db.clock.local()).toBe(before + 1);
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await insertUser(trx, newUser('clock_c'));
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(db.clock.local()).toBe(before + 1);
  });

  it('a raw write counts (its table cannot always be told); a raw read does not', async () => {
    const before = db.clock.local();
    await sql`update users set ban_reason = ${'z'} where user_name = ${'clock_a'}`.execute(db.kysely);
    expect(db.clock.local()).toBe(before + 1);
    await sql`select count(*) from users`.execute(db.kysely);
    expect(db.clock.local()).toBe(before + 1);
  });

  it("another connection's relevant commit changes this one's version token", async () => {
    if (dialect === 'mysql' && !withRedis) {
      expect(db.clock.shared).toBe(false);
      expect(db.clock.version()).toBeUndefined();
      return;
    }
    const t0 = await tokenOf(db);
    expect(t0).toBeDefined();
    expect(await tokenOf(db)).toBe(t0);
    await insertUser(other.kysely, newUser('clock_d'));
    const t1 = await tokenOf(db);
    expect(t1).toBeDefined();
    expect(t1).not.toBe(t0);
    await other.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ ban_reason: 'w' }).where('user_name', '=', 'clock_d').execute();
    });
    expect(await tokenOf(db)).not.toBe(t1);
  });
});
