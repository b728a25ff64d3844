import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect, sql } from 'kysely';
import type { Pool, PoolConnection } from 'mysql2';
import { tooManyRequests } from '../contract/errors.js';
import { reportPool } from '../http/metrics.js';
import type { Database } from './schema.js';
import { LocalClock, clockedDialect, redisVersionSource, sqliteVersionSource, type WriteClock } from './write-clock.js';

export type DialectName = 'sqlite' | 'mysql';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Advances on every committed write a cached public read depends on (write-clock.ts). */
  clock: WriteClock;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** mysql2 pool size. */
  connectionLimit?: number;
  /**
   * config.redis_url: on MySQL, the write clock is shared through it, so every process's relevant
   * commits reach every api's read cache. Every service on one database must be given the same.
   */
  redisUrl?: string;
  /** Where the write clock says that Redis failed (default: stderr). */
  log?: (msg: string) => void;
}

/** Opens the database named by a `sqlite:<file>` or `mysql://…` URL. Nothing is queried yet. */
export function connectDatabase(url: string, options: ConnectOptions = {}): Db {
  if (url.startsWith('sqlite:')) return connectSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('mysql:')) return connectMysql(url, options);
  throw new Error(`database_url must start with sqlite: or mysql:// (got ${JSON.stringify(url.split(':')[0])})`);
}

function connectSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let handle: SqliteDatabase.Database | undefined;
  const clock = new LocalClock();
  const { dialect, driver } = clockedDialect(new SqliteDialect({
    database: async () => {
      const conn = new SqliteDatabase(file);
      handle = conn;
      // Four processes share the file: WAL lets readers run beside one writer, and the busy
      // timeout makes a writer wait for the lock instead of failing at once.
      conn.pragma('journal_mode = WAL');
      conn.pragma('busy_timeout = 5000');
      conn.pragma('synchronous = NORMAL');
      conn.pragma('foreign_keys = ON');
      // Statistics for the planner (bounded work), as SQLite advises for long-lived connections:
      // without them a lookup of listed videos by id walks the whole list index.
      conn.pragma('analysis_limit = 400');
      conn.pragma('optimize = 0x10002');
      return conn;
    },
  }), clock);
  clock.useSource(sqliteVersionSource(() => handle, driver));
  const kysely = new Kysely<Database>({ dialect });
  return { kysely, dialect: 'sqlite', clock, close: () => kysely.destroy() };
}

function connectMysql(url: string, options: ConnectOptions): Db {
  let stopReporting = () => {};
  // mysql2 is loaded on the first query, not at import: a service on SQLite never pays its ~15 MB.
  const pool = async () => {
    const { createPool } = await import('mysql2');
    const created = createPool({
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
    stopReporting = reportPoolOf(created);
    return preparingPool(created) as never;
  };
  const clock = new LocalClock();
  if (options.redisUrl) redisVersionSource(clock, options.redisUrl, options.log ?? ((msg) => process.stderr.write(`${msg}\n`)));
  const kysely = new Kysely<Database>({ dialect: clockedDialect(new MysqlDialect({ pool }), clock).dialect });
  return {
    kysely,
    dialect: 'mysql',
    clock,
    close: async () => {
      stopReporting();
      await clock.close();
      await kysely.destroy();
    },
  };
}

/** Reports the pool's counts to the metrics gauge; returns the function that stops it. */
function reportPoolOf(pool: Pool): () => void {
  // mysql2 keeps its pool's counts in private arrays; read them only for the metrics gauge.
  const internals = pool as unknown as { _allConnections?: { length: number }; _freeConnections?: { length: number }; _connectionQueue?: { length: number } };
  return reportPool(() => ({
    total: internals._allConnections?.length ?? 0,
    free: internals._freeConnections?.length ?? 0,
    queued: internals._connectionQueue?.length ?? 0,
  }));
}

/** Parameterised data statements: the ones worth preparing once per connection. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
const PATCHED = Symbol('preparing');
/**
 * The server would not prepare or run a cached statement, though the statement itself is fine: the
 * server-wide prepared-statement cap (every process and connection on the server shares it), or a
 * table definition evicted from a small table_definition_cache. Neither ran the statement, so it
 * is sent again as text.
 */
const PREPARE_REFUSED = new Set(['ER_MAX_PREPARED_STMT_COUNT_REACHED', 'ER_NEED_REPREPARE', 'ER_UNKNOWN_STMT_HANDLER']);
/** The server is out of connections (shared by every service and test on it): worth a short wait. */
const SERVER_FULL = new Set(['ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_USER_LIMIT_REACHED']);
const CONNECT_RETRY_DELAYS_MS = [50, 150, 400, 1000];

type Callback = (err: NodeJS.ErrnoException | null, conn?: PoolConnection) => void;

/**
 * The pool as Kysely sees it, but a connection's parameterised SELECT/INSERT/UPDATE/DELETE go through
 * mysql2's `execute` (server-side prepared statements, cached per connection) instead of `query`
 * (the text protocol, parsed by the server every time). Everything else — transactions, locks,
 * migrations' DDL — keeps the text protocol. Transient refusals become a wait or a retry, and a full
 * request queue the client's 429, never a request's 5xx.
 */
function preparingPool(pool: Pool) {
  const acquire = (attempt: number, cb: Callback): void => {
    pool.getConnection((err, conn) => {
      if (err && SERVER_FULL.has(String(err.code)) && attempt < CONNECT_RETRY_DELAYS_MS.length) {
        setTimeout(() => acquire(attempt + 1, cb), CONNECT_RETRY_DELAYS_MS[attempt]).unref();
        return;
      }
      if (err && err.message === 'Queue limit reached.') {
        return cb(tooManyRequests(1, 'the service is busy: retry in a second') as unknown as NodeJS.ErrnoException);
      }
      if (err || !conn) return cb(err, conn);
      const c = conn as PoolConnection & { [PATCHED]?: true };
      if (!c[PATCHED]) {
        c[PATCHED] = true;
        const textQuery = c.query.bind(c) as (...args: unknown[]) => unknown;
        (c as { query: unknown }).query = (sqlText: string, params?: unknown, done?: unknown) => {
          if (typeof done !== 'function' || !Array.isArray(params) || params.length === 0 || !PREPARABLE.test(sqlText)) {
            return textQuery(sqlText, params, done);
          }
          const callback = done as (err: { code?: string } | null, ...rest: unknown[]) => void;
          return c.execute(sqlText, params, ((execErr: { code?: string } | null, ...rest: unknown[]) => {
            if (execErr && PREPARE_REFUSED.has(String(execErr.code))) return textQuery(sqlText, params, callback);
            return callback(execErr, ...rest);
          }) as never);
        };
      }
      cb(null, c);
    });
  };
  return {
    getConnection(cb: Callback): void {
      acquire(0, cb);
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
