import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import { Effect, effectOf } from './write-relevance.js';
import { createSharedCounter, type SharedCounter } from './write-clock-redis.js';

/**
 * Advances on every committed write that can change a cached public read (write-relevance.ts), in
 * this process; `version()` adds what other processes did, so the api's read cache
 * (services/api/src/http/read-cache.ts) can tell an answer computed before any write from one
 * computed after it. See docs/ARCHITECTURE.md, "Read cache".
 */
export interface WriteClock {
  /** Relevant commits by this process so far. */
  local(): number;
  /** Calls `fn` after each advance; returns the function that stops it. */
  onAdvance(fn: () => void): () => void;
  /**
   * A token that changes whenever a relevant write commits in any process, read before an answer is
   * computed; undefined when it cannot be known now (Redis unreachable, or MySQL without Redis).
   */
  version(): string | undefined | Promise<string | undefined>;
  /** False when version() never answers (MySQL without redis_url): there is nothing to cache by. */
  readonly shared: boolean;
}

type VersionSource = { shared: boolean; read(): string | undefined | Promise<string | undefined> };

/** The process's clock; the driver wrapper advances it, a version source makes it cross-process. */
export class LocalClock implements WriteClock {
  private n = 0;
  private readonly listeners = new Set<() => void>();
  private source: VersionSource = { shared: false, read: () => undefined };
  private counter: SharedCounter | undefined;
  private lastN = -1;
  private lastOther: string | undefined;
  private lastToken = '';

  local(): number {
    return this.n;
  }

  get shared(): boolean {
    return this.source.shared;
  }

  onAdvance(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called by the driver after a relevant commit; resolves once other processes can see it too. */
  advance(): Promise<void> | undefined {
    this.n += 1;
    for (const fn of this.listeners) fn();
    return this.counter?.bump();
  }

  useSource(source: VersionSource, counter?: SharedCounter): void {
    this.source = source;
    this.counter = counter;
  }

  version(): string | undefined | Promise<string | undefined> {
    const other = this.source.read();
    if (other === undefined) return undefined;
    if (typeof other === 'string') return this.tokenOf(this.n, other);
    const n = this.n;
    return other.then((o) => (o === undefined ? undefined : this.tokenOf(n, o)));
  }

  /** One string per distinct token, not one per request. */
  private tokenOf(n: number, other: string): string {
    if (n !== this.lastN || other !== this.lastOther) {
      this.lastN = n;
      this.lastOther = other;
      this.lastToken = `${n}:${other}`;
    }
    return this.lastToken;
  }

  close(): Promise<void> {
    return this.counter?.close() ?? Promise.resolve();
  }
}

/** A connection whose relevant writes advance the clock: at once in autocommit, at commit in a transaction. */
class ClockedConnection implements DatabaseConnection {
  inTransaction = false;
  wrote = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly clock: LocalClock,
    private readonly transactions: { open: number },
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const effect = effectOf(query);
    if (effect === Effect.None) return this.inner.executeQuery<R>(query);
    return this.run<R>(query, effect);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }

  begin(): void {
    if (!this.inTransaction) this.transactions.open += 1;
    this.inTransaction = true;
    this.wrote = false;
  }

  /** After the commit (or a failed one: the safe side) a marked transaction advances the clock. */
  async ended(committed: boolean): Promise<void> {
    const wrote = this.wrote && committed;
    if (this.inTransaction) this.transactions.open -= 1;
    this.inTransaction = false;
    this.wrote = false;
    if (wrote) await this.clock.advance();
  }

  private async run<R>(query: CompiledQuery, effect: Effect): Promise<QueryResult<R>> {
    if (effect === Effect.Begin) {
      const r = await this.inner.executeQuery<R>(query);
      this.begin();
      return r;
    }
    if (effect === Effect.Commit || effect === Effect.Rollback) {
      try {
        return await this.inner.executeQuery<R>(query);
      } finally {
        await this.ended(effect === Effect.Commit);
      }
    }
    let result: QueryResult<R>;
    try {
      result = await this.inner.executeQuery<R>(query);
    } catch (err) {
      // Whether a failed statement changed anything is not always known (a lost connection).
      await this.touched();
      throw err;
    }
    if (result.numAffectedRows !== 0n) await this.touched();
    return result;
  }

  private async touched(): Promise<void> {
    if (this.inTransaction) this.wrote = true;
    else await this.clock.advance();
  }
}

/** The dialect's driver, its connections wrapped; `transactions.open` says whether one is under way. */
class ClockedDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, ClockedConnection>();
  readonly transactions = { open: 0 };

  constructor(
    private readonly inner: Driver,
    private readonly clock: LocalClock,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    let c = this.wrapped.get(conn);
    if (!c) {
      c = new ClockedConnection(conn, this.clock, this.transactions);
      this.wrapped.set(conn, c);
    }
    return c;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as ClockedConnection;
    await this.inner.beginTransaction(c.inner, settings);
    c.begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ClockedConnection;
    try {
      await this.inner.commitTransaction(c.inner);
    } finally {
      await c.ended(true);
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ClockedConnection;
    try {
      await this.inner.rollbackTransaction(c.inner);
    } finally {
      await c.ended(false);
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.((connection as ClockedConnection).inner, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    // A write undone to a savepoint stays marked: the safe side.
    await this.inner.rollbackToSavepoint?.((connection as ClockedConnection).inner, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.((connection as ClockedConnection).inner, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as ClockedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** The dialect with its driver wrapped: what connectDatabase hands Kysely. */
export function clockedDialect(dialect: Dialect, clock: LocalClock): { dialect: Dialect; driver: () => ClockedDriver | undefined } {
  let driver: ClockedDriver | undefined;
  const wrapped: Dialect = {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      driver = new ClockedDriver(dialect.createDriver(), clock);
      return driver;
    },
  };
  return { dialect: wrapped, driver: () => driver };
}

/**
 * SQLite: `PRAGMA data_version` on the service's own connection changes whenever another connection
 * (another process) commits. Read at once when no transaction is open on it (better-sqlite3 is
 * synchronous, so nothing runs beside it); during one, after it, through the driver's mutex: inside
 * a transaction the pragma would answer from the transaction's old snapshot.
 */
export function sqliteVersionSource(handle: () => SqliteDatabase.Database | undefined, driver: () => ClockedDriver | undefined): VersionSource {
  let stmt: SqliteDatabase.Statement | undefined;
  const now = (h: SqliteDatabase.Database): string | undefined => {
    // A closed database (the service stopping) is not a version: the read is served uncached.
    if (!h.open) return undefined;
    stmt ??= h.prepare('pragma data_version').pluck();
    return String(stmt.get());
  };
  const viaMutex = async (d: ClockedDriver): Promise<string | undefined> => {
    const conn = await d.acquireConnection();
    try {
      const h = handle();
      return h ? now(h) : undefined;
    } finally {
      await d.releaseConnection(conn);
    }
  };
  return {
    shared: true,
    read() {
      const d = driver();
      const h = handle();
      // Nothing queried yet: the first query opens the connection.
      if (!d || !h) return undefined;
      return d.transactions.open === 0 ? now(h) : viaMutex(d);
    },
  };
}

/** MySQL with Redis: the shared counter every process bumps after its relevant commits. */
export function redisVersionSource(clock: LocalClock, redisUrl: string, report: (msg: string) => void): void {
  const counter = createSharedCounter(redisUrl, report);
  clock.useSource({ shared: true, read: () => counter.read() }, counter);
}
