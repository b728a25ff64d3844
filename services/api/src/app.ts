import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { baseServerOptions, commonPlugin, connectDatabase, pingDatabase, registerHealth, type Config, type Db } from '@video/shared';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRateLimits, type RateLimitOptions } from './plugins/rate-limits.js';
import { commentsRoutes } from './routes/comments-routes.js';
import { usersRoutes } from './routes/users-routes.js';
import { videosRoutes } from './routes/videos-routes.js';
import { createCommentsService } from './services/comments-service.js';
import { createUsersService } from './services/users-service.js';
import { createVideosService } from './services/videos-service.js';
import { createStreamInvalidator } from './lib/stream-invalidation.js';

export interface AppDeps {
  /** An open, migrated database; when absent the app opens config.database_url and closes it on close. */
  db?: Db;
  /** Overrides the logger options (tests). */
  logger?: boolean;
  /** Rate-limit store options (tests lower the key bound). */
  rateLimits?: RateLimitOptions;
}

/** Builds the api service without listening. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify(
    baseServerOptions(config, 'api', {
      ...(deps.logger === false ? { logger: false } : {}),
    }),
  ).withTypeProvider<TypeBoxTypeProvider>();
  const db = deps.db ?? connectDatabase(config.database_url);
  if (!deps.db) app.addHook('onClose', async () => db.close());
  app.decorateRequest('sessionUser', null);

  await registerOpenApi(app);
  await app.register(commonPlugin, { service: 'api', metricsToken: config.metrics_token });
  registerHealth(app, () => pingDatabase(db));
  const limits = await registerRateLimits(app, config, deps.rateLimits);

  const users = await createUsersService(db, config);
  await app.register(usersRoutes, { db, users, limits: limits.auth });
  const videoChanged = createStreamInvalidator(config, app.log);
  app.addHook('onClose', videoChanged.close);
  await app.register(videosRoutes, { db, videos: createVideosService(db, videoChanged), limits: limits.user });
  await app.register(commentsRoutes, { db, comments: createCommentsService(db), limits: limits.user });
  // feature plugins
  await app.register(import('./danmaku/danmaku-plugin.js'), { config, db });
  return app;
}
