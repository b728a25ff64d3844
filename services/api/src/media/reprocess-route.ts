import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security } from '../http/route-types.js';
import { VideoParamsSchema } from '../videos/videos-schemas.js';
import { ReprocessResponseSchema } from './media-schemas.js';
import type { MediaService } from './media-service.js';

export interface ReprocessRouteOptions {
  db: Db;
  media: MediaService;
}

/** The owner asks for the media pipeline to run again on the video's current file. */
export const reprocessRoute: FastifyPluginAsyncTypebox<ReprocessRouteOptions> = async (app, { db, media }) => {
  const auth = authHooks(db);
  app.post(
    '/user/:username/videos/:vid/reprocess',
    {
      onRequest: auth.ownUser,
      schema: {
        tags: ['videos'],
        security,
        summary: 'Process the video again (probe, poster, storyboard, HLS); 409 while it has no file or is already queued or running',
        params: VideoParamsSchema,
        response: { 202: ReprocessResponseSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const processing = await media.reprocess(sessionUserOf(request).user_id, request.params.vid);
      return reply.code(202).send({ processing });
    },
  );
};
