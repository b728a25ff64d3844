import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { requireSafeIntegers } from '../http/pagination.js';
import { sessionSecurity as security } from '../http/route-types.js';
import { VideoInfoSchema } from '../videos/videos-schemas.js';
import { videoJson } from '../videos/videos-views.js';
import { recommend } from './recommend-service.js';

export interface RecommendationsRoutesOptions {
  db: Db;
}

const ReasonSchema = Type.Object({
  kind: Type.Unsafe<'follow' | 'tag' | 'co_like' | 'popular'>({ type: 'string', enum: ['follow', 'tag', 'co_like', 'popular'] }),
  text: Type.String({ description: 'ready to show, e.g. "because you follow alice"' }),
  user_name: Type.Optional(Type.String({ description: 'follow: the author you follow' })),
  video_id: Type.Optional(Type.String({ description: 'tag, co_like: the video of yours the reason names' })),
  tag: Type.Optional(Type.String({ description: 'tag: the tag it shares with what you liked, saved or watched' })),
});
const RecommendedSchema = Type.Object({ videos: Type.Array(Type.Composite([VideoInfoSchema, Type.Object({ reason: ReasonSchema })])) });
const RecommendedQuerySchema = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }) });

/** Videos for you: followed authors, tag affinity, co-likes and popularity, each with why. */
export const recommendationsRoutes: FastifyPluginAsyncTypebox<RecommendationsRoutesOptions> = async (app, { db }) => {
  const auth = authHooks(db);
  app.get(
    '/user/:username/recommended',
    {
      onRequest: auth.ownUser,
      schema: {
        tags: ['history and recommendations'],
        security,
        summary: "Public videos you have not watched and do not own, ranked for you; each says why in `reason` (the hot list when you have done nothing yet)",
        params: UserParamsSchema,
        querystring: RecommendedQuerySchema,
        response: { 200: RecommendedSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const recs = await recommend(db.kysely, sessionUserOf(request).user_id, request.query.limit);
      return { videos: recs.map((r) => ({ ...videoJson(r.video, r.video.author), reason: r.reason })) };
    },
  );
};
