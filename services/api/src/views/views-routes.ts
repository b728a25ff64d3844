import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { rateLimitAddress, type Config, type Db } from '@video/shared';
import { recordWatch } from '../history/history-repository.js';
import { authHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { connectRedis, parseRedisUrl } from '../http/redis-connection.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { VideoIdParamsSchema } from '../videos/videos-schemas.js';
import { ViewCounter } from './view-counter.js';
import { DatabaseViewDedupe, RedisViewDedupe, type ViewDedupe } from './view-dedupe.js';

/** Counted views reach the video's row this often (the contract: visible within 5 seconds). */
export const VIEW_FLUSH_MS = 2000;

const ReportSchema = Type.Object({ position: Type.Number({ minimum: 0, maximum: 1e7, description: 'seconds into the video' }) });

export interface ViewsRoutesOptions {
  db: Db;
  config: Pick<Config, 'redis_url' | 'view_after_seconds'>;
}

async function chooseDedupe(app: Parameters<FastifyPluginAsyncTypebox>[0], { db, config }: ViewsRoutesOptions): Promise<ViewDedupe> {
  const afterMs = config.view_after_seconds * 1000;
  if (!config.redis_url) return new DatabaseViewDedupe(db, afterMs);
  const { url, prefix } = parseRedisUrl(config.redis_url);
  const redis = await connectRedis(url, app.log, 'views');
  app.addHook('onClose', async () => void redis.disconnect());
  const warn = (err: unknown) => app.log.warn({ err }, 'redis unavailable for view counting; using the database');
  return new RedisViewDedupe(redis, prefix, afterMs, new DatabaseViewDedupe(db, afterMs), warn);
}

/**
 * Playback reports: `POST /videos/:vid/views` (no session needed). The viewer is the session's
 * user, else the client's address as the trusted proxy chain gives it (request.ip).
 */
export const viewsRoutes: FastifyPluginAsyncTypebox<ViewsRoutesOptions> = async (app, opts) => {
  const auth = authHooks(opts.db);
  const counter = new ViewCounter(opts.db, await chooseDedupe(app, opts), VIEW_FLUSH_MS, (err) => app.log.warn({ err }, 'view counts not written yet; kept for the next flush'));
  app.addHook('onClose', async () => counter.close());
  app.post(
    '/videos/:vid/views',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags: ['public site'],
        summary: 'A playback report; a view counts after view_after_seconds of reports, once per viewer and hour',
        params: VideoIdParamsSchema,
        body: ReportSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      await requireVisibleVideo(opts.db, request, request.params.vid);
      const viewer = request.sessionUser ? `u:${request.sessionUser.user_id}` : `a:${rateLimitAddress(request.ip)}`;
      const now = Date.now();
      const counted = await counter.report(request.params.vid, viewer, now);
      // A signed-in viewer's counted view is their history (one row per video, at most once an hour).
      if (counted && request.sessionUser) {
        await recordWatch(opts.db, request.sessionUser.user_id, request.params.vid, now).catch((err: unknown) => app.log.warn({ err }, 'watch history not written'));
      }
      return reply.code(204).send(null);
    },
  );
};
