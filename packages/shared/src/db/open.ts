import { connectDatabase, type ConnectOptions, type Db } from './connect.js';
import { migrate } from './migrate.js';

/** Retries a start-up step (connect, migrate) while the database is still coming up. */
export async function retryStartup<T>(what: string, fn: () => Promise<T>, log: (msg: string) => void, attempts = 30): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      log(`${what} failed (${(err as Error).message}); retry ${i}/${attempts - 1} in 1 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Connects to config.database_url and migrates it, retrying while the server comes up. */
export async function openDatabase(url: string, log: (msg: string) => void, options: Pick<ConnectOptions, 'redisUrl'> = {}): Promise<Db> {
  const db = connectDatabase(url, { ...options, log });
  try {
    await retryStartup('migrating the database', () => migrate(db), log);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
