import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { createPool, type Pool, type PoolConnection } from 'mysql2';
import { reportPool } from '../metrics.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'mysql';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** mysql2 pool size. */
  connectionLimit?: number;
}

/** Opens the database named by a `sqlite:<file>` or `mysql://…` URL. Nothing is queried yet. */
export function connectDatabase(url: string, options: ConnectOptions = {}): Db {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const dialect = new SqliteDialect({
      database: async () => {
        const conn = new SqliteDatabase(file);
        // Four processes share the file: WAL lets readers run beside one writer, and the busy
        // timeout makes a writer wait for the lock instead of failing at once.
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('foreign_keys = ON');
        return conn;
      },
    });
    const kysely = new Kysely<Database>({ dialect });
    return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
  }
  if (url.startsWith('mysql:')) {
    const pool = createPool({
      uri: url,
      connectionLimit: options.connectionLimit ?? 16,
      // Fail fast while the server is down so requests get a quick 503 instead of hanging.
      connectTimeout: 3000,
      waitForConnections: true,
      queueLimit: 500,
      enableKeepAlive: true,
      charset: 'utf8mb4_bin',
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: 'Z',
      // Prepared statements are cached per connection; MariaDB allows 16,382 in all
      // (max_prepared_stmt_count), shared by every process and connection.
      maxPreparedStatements: 128,
    });
    const kysely = new Kysely<Database>({ dialect: new MysqlDialect({ pool: preparingPool(pool) as never }) });
    // mysql2 keeps its pool's counts in private arrays; read them only for the metrics gauge.
    const internals = pool as unknown as { _allConnections?: { length: number }; _freeConnections?: { length: number }; _connectionQueue?: { length: number } };
    const stopReporting = reportPool(() => ({
      total: internals._allConnections?.length ?? 0,
      free: internals._freeConnections?.length ?? 0,
      queued: internals._connectionQueue?.length ?? 0,
    }));
    return {
      kysely,
      dialect: 'mysql',
      close: async () => {
        stopReporting();
        await kysely.destroy();
      },
    };
  }
  throw new Error(`database_url must start with sqlite: or mysql:// (got ${JSON.stringify(url.split(':')[0])})`);
}

/** Parameterised data statements: the ones worth preparing once per connection. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
const PATCHED = Symbol('preparing');

/**
 * The pool as Kysely sees it, but a connection's parameterised SELECT/INSERT/UPDATE/DELETE go through
 * mysql2's `execute` (server-side prepared statements, cached per connection) instead of `query`
 * (the text protocol, parsed by the server every time). Everything else — transactions, locks,
 * migrations' DDL — keeps the text protocol.
 */
function preparingPool(pool: Pool) {
  return {
    getConnection(cb: (err: NodeJS.ErrnoException | null, conn?: PoolConnection) => void): void {
      pool.getConnection((err, conn) => {
        if (err || !conn) return cb(err, conn);
        const c = conn as PoolConnection & { [PATCHED]?: true };
        if (!c[PATCHED]) {
          c[PATCHED] = true;
          const textQuery = c.query.bind(c) as (...args: unknown[]) => unknown;
          (c as { query: unknown }).query = (sqlText: string, params?: unknown, done?: unknown) =>
            typeof done === 'function' && Array.isArray(params) && params.length > 0 && PREPARABLE.test(sqlText)
              ? c.execute(sqlText, params, done as never)
              : textQuery(sqlText, params, done);
        }
        cb(null, c);
      });
    },
    end(cb: (err?: unknown) => void): void {
      pool.end(cb as never);
    },
  };
}

/** A cheap round trip, for health checks. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
