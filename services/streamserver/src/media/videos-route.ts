import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { notFound, type Config } from '@video/shared';
import { limitConnections, type ConnectionLimiter } from '../limits/connection-limiter.js';
import type { TransferGuard } from '../limits/transfer-guard.js';
import { FALLBACK_TYPE, VIDEOS_ROUTE as ROUTE } from './fast-path.js';
import { replyWithFile } from './file-reply.js';
import type { OpenFileCache } from '@video/shared/files';
import type { VideoRowCache } from './video-row-cache.js';
import { ErrorSchema, VideoParamsSchema } from '../http/schemas.js';
import { mayWatch } from '../http/session-hook.js';
import { originalKey } from '@video/shared/storage';
import type { AccelRedirect } from './accel-redirect.js';
import { movedToBucket, replyFromBucket } from '../storage/bucket-reply.js';

export interface VideosRouteOptions {
  config: Config;
  limiter: ConnectionLimiter;
  files: OpenFileCache;
  rows: VideoRowCache;
  guard?: TransferGuard;
  /** stream_accel_redirect_prefix is set: nginx sends what came through it. */
  accel?: AccelRedirect;
}


export const videosRoute: FastifyPluginAsyncTypebox<VideosRouteOptions> = async (app, opts) => {
  const { config, files, rows } = opts;

  app.route({
    method: ['GET', 'HEAD'],
    url: ROUTE,
    schema: {
      params: VideoParamsSchema,
      response: { '4xx': ErrorSchema, '5xx': ErrorSchema },
    },
    onRequest: limitConnections(opts.limiter, opts.guard),
    handler: async (request, reply) => {
      const id = request.params.vid;
      const video = await rows.get(id);
      if (!video || !(await mayWatch(request, video))) throw notFound('no such video');
      if (config.storage_type === 'oss') return reply.redirect(config.oss_url + id, 302);
      const file = files.acquire(id);
      if (!file && config.storage_type === 's3' && (await movedToBucket(rows, video))) {
        return replyFromBucket(config, reply, originalKey(id), { contentType: video.content_type ?? FALLBACK_TYPE });
      }
      if (!file) throw notFound('the video has no file yet');
      return replyWithFile(files, reply, file, video.content_type ?? FALLBACK_TYPE, {}, { accel: opts.accel, name: id });
    },
  });
};
