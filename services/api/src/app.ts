import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { baseServerOptions, commonPlugin, databasePlugin, decorateTokenKeys, pingDatabase, registerHealth, type Config, type Db, type TokenKeys } from '@video/shared';
import { registerAccounts } from './accounts/accounts-plugin.js';
import { createAccountEvents } from './admin/account-events.js';
import { adminPlugin } from './admin/admin-plugin.js';
import { blocksRoutes } from './blocks/blocks-routes.js';
import { commentsRoutes } from './comments/comments-routes.js';
import { createCommentsService } from './comments/comments-service.js';
import { createCommentThreadsService } from './comments/comment-threads-service.js';
import { danmakuPlugin } from './danmaku/danmaku-plugin.js';
import { favoritesRoutes } from './favorites/favorites-routes.js';
import { feedRoutes } from './feed/feed-routes.js';
import { identitiesRoutes } from './identities/identities-routes.js';
import { createIdentitiesService } from './identities/identities-service.js';
import { historyRoutes } from './history/history-routes.js';
import { followsRoutes } from './follows/follows-routes.js';
import { decorateSessionUser } from './http/auth-hooks.js';
import { registerOpenApi } from './http/openapi-plugin.js';
import { createLimiterFactory, userLimits, type RateLimitOptions } from './http/rate-limits.js';
import { readCachePlugin } from './http/read-cache.js';
import { captionsRoutes } from './media/captions-routes.js';
import { createMediaService } from './media/media-service.js';
import { reprocessRoute } from './media/reprocess-route.js';
import { messagesRoutes } from './messages/messages-routes.js';
import { notificationsPlugin } from './notifications/notifications-plugin.js';
import { phoneLimits } from './phone/phone-limits.js';
import { phoneRoutes } from './phone/phone-routes.js';
import { createPhoneService } from './phone/phone-service.js';
import { createSmsSender } from './phone/sms-sender.js';
import { playlistsRoutes } from './playlists/playlists-routes.js';
import { recommendationsRoutes } from './recommendations/recommendations-routes.js';
import { ratingsRoutes } from './ratings/ratings-routes.js';
import { reportsRoutes } from './reports/reports-routes.js';
import { usersRoutes } from './users/users-routes.js';
import { createUsersService } from './users/users-service.js';
import { signInLimits } from './users/sign-in-limits.js';
import { tokensRoutes } from './tokens/tokens-routes.js';
import { createTokensService } from './tokens/tokens-service.js';
import { createStreamInvalidator } from './videos/stream-invalidation.js';
import { videosRoutes } from './videos/videos-routes.js';
import { createVideosService } from './videos/videos-service.js';
import { viewsRoutes } from './views/views-routes.js';

export interface AppDeps {
  /** An open, migrated database, left open at close; when absent the app opens and migrates config.database_url and closes it on close. */
  db?: Db;
  /** Overrides the logger options (tests). */
  logger?: boolean;
  /** Rate-limit store options (tests lower the key bound). */
  rateLimits?: RateLimitOptions;
  /** The access-token keys (main loads them first); when absent they come from config.jwt_private_key. */
  tokenKeys?: TokenKeys;
  /** Moderation writes per moderator per minute (default 120). */
  adminWritesPerMinute?: number;
}

/** Builds the api service without listening. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify(
    baseServerOptions(config, 'api', {
      ...(deps.logger === false ? { logger: false } : {}),
    }),
  ).withTypeProvider<TypeBoxTypeProvider>();
  decorateTokenKeys(app, config, deps.tokenKeys);
  await app.register(databasePlugin, { url: config.database_url, redisUrl: config.redis_url, db: deps.db });
  const db = app.db;
  decorateSessionUser(app);

  await registerOpenApi(app);
  await app.register(commonPlugin, { service: 'api', metricsToken: config.metrics_token });
  registerHealth(app, () => pingDatabase(db));
  // Before the routes: it hooks the cacheable ones as they are declared.
  await app.register(readCachePlugin, { clock: db.clock, maxMb: config.api_read_cache_mb });
  await registerFeatures(app, config, deps);
  return app;
}

async function registerFeatures(app: FastifyInstance, config: Config, deps: AppDeps): Promise<void> {
  const db = app.db;
  const limiter = await createLimiterFactory(app, config, deps.rateLimits);
  const limits = userLimits(limiter, config);

  const users = await createUsersService(db, config);
  const authLimits = signInLimits(limiter, config.signin_rate_limit);
  const tokens = createTokensService(db, app.tokenKeys, users.checkCredentials);
  await app.register(tokensRoutes, { tokens, limits: authLimits, limiter, signinRateLimit: config.signin_rate_limit });
  const videoChanged = createStreamInvalidator(config, app.log);
  app.addHook('onClose', videoChanged.close);
  const accounts = await registerAccounts(app, { db, config, limiter, videoChanged });
  await app.register(usersRoutes, { db, users, limits: authLimits, tokens, accounts: accounts.hooks });
  const videos = createVideosService(db, videoChanged, accounts.gate);
  await app.register(videosRoutes, { db, videos, limits });
  await app.register(feedRoutes, { db, videos });
  const media = createMediaService(db, videoChanged);
  await app.register(captionsRoutes, { db, media });
  await app.register(reprocessRoute, { db, media });
  await app.register(ratingsRoutes, { db });
  await app.register(viewsRoutes, { db, config });
  await app.register(historyRoutes, { db });
  await app.register(recommendationsRoutes, { db });
  await app.register(commentsRoutes, { db, comments: createCommentsService(db, accounts.gate), threads: createCommentThreadsService(db), limits });
  const accountEvents = await createAccountEvents(config, app.log);
  app.addHook('onClose', accountEvents.close);
  await app.register(notificationsPlugin, { config, db, accountEvents });
  await app.register(messagesRoutes, { db, limiter, gate: accounts.gate });
  await app.register(danmakuPlugin, { config, db, accountEvents });
  await app.register(favoritesRoutes, { db });
  await app.register(playlistsRoutes, { db });
  await app.register(followsRoutes, { db, fallbackOrigin: `http://${config.host}:${config.web_port}` });
  await app.register(blocksRoutes, { db });
  await app.register(identitiesRoutes, { db, identities: createIdentitiesService(db, config), internalToken: config.internal_token });
  const phone = createPhoneService(db, config, createSmsSender(config.sms_webhook_url, app.log));
  await app.register(phoneRoutes, { db, phone, limits: phoneLimits(limiter) });
  await app.register(reportsRoutes, { db, limiter, autoHide: config.auto_hide_reports });
  await app.register(adminPlugin, { db, limiter, events: accountEvents, videoChanged, writesPerMinute: deps.adminWritesPerMinute });
}
