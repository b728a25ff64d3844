import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from './connect.js';
import { openDatabase } from './open.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's database: opened and migrated by databasePlugin, closed when the app closes. */
    db: Db;
  }
}

export interface DatabasePluginOptions {
  /** Where to connect (config.database_url) when no `db` is given. */
  url: string;
  /** A database the caller already opened (tests): used as it is, and left open at close. */
  db?: Db;
  /** config.redis_url: shares the write clock between processes on MySQL (connect.ts). */
  redisUrl?: string;
  /** Start-up messages (retries while the database comes up). */
  log?: (msg: string) => void;
}

/**
 * The one owner of a service's database: it opens and migrates `url` (retrying while the server
 * comes up) and closes it in onClose; a `db` handed in is borrowed, not closed.
 */
export const databasePlugin = fp(
  async (app: FastifyInstance, opts: DatabasePluginOptions) => {
    const owned = !opts.db;
    const db = opts.db ?? (await openDatabase(opts.url, opts.log ?? ((msg) => app.log.warn(msg)), { redisUrl: opts.redisUrl }));
    app.decorate('db', db);
    if (owned) app.addHook('onClose', async () => db.close());
  },
  { name: 'video-database', fastify: '5.x' },
);
