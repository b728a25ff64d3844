import { sql, type Kysely } from 'kysely';
import type { Db, DialectName } from './connect.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

const LOCK_NAME = 'video_site_migrations';
const LOCK_WAIT_SECONDS = 60;

async function pending(conn: Kysely<any>, migrations: Migration[]): Promise<Migration[]> {
  await conn.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const done = new Set((await conn.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name));
  return migrations.filter((m) => !done.has(m.name));
}

async function apply(conn: Kysely<any>, dialect: DialectName, todo: Migration[]): Promise<string[]> {
  for (const m of todo) {
    await m.up(conn, dialect);
    await conn.insertInto('schema_migrations').values({ name: m.name, applied_at: Date.now() }).execute();
  }
  return todo.map((m) => m.name);
}

/**
 * Brings the schema up to date. Safe when several services start at once on one database: MySQL
 * serializes them with GET_LOCK on one connection; SQLite with an immediate transaction, which also
 * makes a SQLite migration all-or-nothing. Returns the names of the migrations applied.
 */
export async function migrate(db: Db, migrations: Migration[] = MIGRATIONS): Promise<string[]> {
  return db.kysely.connection().execute(async (conn: Kysely<any>) => {
    if (db.dialect === 'mysql') {
      const { rows } = await sql<{ got: number | null }>`select get_lock(${LOCK_NAME}, ${LOCK_WAIT_SECONDS}) as got`.execute(
        conn,
      );
      if (rows[0]?.got !== 1) throw new Error('timed out waiting for the migration lock');
      try {
        return await apply(conn, db.dialect, await pending(conn, migrations));
      } finally {
        await sql`select release_lock(${LOCK_NAME})`.execute(conn);
      }
    }
    await sql`begin immediate`.execute(conn);
    try {
      const applied = await apply(conn, db.dialect, await pending(conn, migrations));
      await sql`commit`.execute(conn);
      return applied;
    } catch (err) {
      await sql`rollback`.execute(conn);
      throw err;
    }
  });
}
