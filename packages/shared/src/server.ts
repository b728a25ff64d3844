import type { FastifyInstance } from 'fastify';
import { connectDatabase, type Db } from './db/connect.js';
import { migrate } from './db/migrate.js';

export interface RunOptions {
  name: string;
  host: string;
  port: number;
  /** How long in-flight requests get to finish after SIGTERM/SIGINT. */
  graceMs?: number;
}

/**
 * Listens, and shuts down with grace on SIGTERM/SIGINT: stop accepting, let in-flight requests
 * finish (bounded), run onClose hooks (which close the database), exit 0. A second signal, or the
 * grace period running out, exits at once with 1.
 */
export async function runService(app: FastifyInstance, options: RunOptions): Promise<void> {
  const grace = options.graceMs ?? 10_000;
  let closing = false;
  const stop = (signal: string) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, `${options.name} shutting down`);
    const timer = setTimeout(() => {
      app.log.error(`${options.name} did not stop within ${grace} ms: exiting`);
      process.exit(1);
    }, grace);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    const address = await app.listen({ host: options.host, port: options.port });
    app.log.info(`${options.name} listening on ${address}`);
  } catch (err) {
    app.log.fatal({ err }, `${options.name} could not listen on ${options.host}:${options.port}`);
    process.exit(1);
  }
}

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
export async function openDatabase(url: string, log: (msg: string) => void): Promise<Db> {
  const db = connectDatabase(url);
  try {
    await retryStartup('migrating the database', () => migrate(db), log);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
