import Fastify, { type FastifyInstance } from 'fastify';
import { baseServerOptions, commonPlugin, connectDatabase, pingDatabase, registerHealth, type Config, type Db } from '@video/shared';

export interface AppDeps {
  /** An open, migrated database; when absent the app opens config.database_url and closes it on close. */
  db?: Db;
  /** Overrides the logger options (tests). */
  logger?: boolean;
}

/** Builds the api service without listening. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify(baseServerOptions(config, 'api', deps.logger === false ? { logger: false } : {}));
  const db = deps.db ?? connectDatabase(config.database_url);
  if (!deps.db) app.addHook('onClose', async () => db.close());
  await app.register(commonPlugin, { service: 'api' });
  registerHealth(app, () => pingDatabase(db));
  return app;
}
