import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isVideoId, isVisibleTo, notFound, type Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { VideoIdParamsSchema } from '../videos/videos-schemas.js';
import { ratingOf, setRating } from './ratings-repository.js';

const tags = ['public site'];
const RatingName = Type.Unsafe<'like' | 'dislike' | 'none'>({ type: 'string', enum: ['like', 'dislike', 'none'] });
const RatingBodySchema = Type.Object({ rating: RatingName });
const RatedSchema = Type.Object({ rating: RatingName, likes: Type.Integer(), dislikes: Type.Integer() });
const RatingSchema = Type.Object({ rating: RatingName });

/** Likes and dislikes: one rating per user and video; the video's counters move in the same transaction. */
export const ratingsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const auth = authHooks(db);
  putRatingRoute(app, db, auth);
  getRatingRoute(app, db, auth);
};

function putRatingRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.put(
    '/videos/:vid/rating',
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Like, dislike or clear your rating of a video',
        params: VideoIdParamsSchema,
        body: RatingBodySchema,
        response: { 200: RatedSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const user = sessionUserOf(request);
      if (!isVideoId(request.params.vid)) throw notFound('no such video');
      return setRating(db, user.user_id, request.params.vid, request.body.rating, (v) => isVisibleTo(v, user.user_id));
    },
  );
}

function getRatingRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.get(
    '/videos/:vid/rating',
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Your rating of a video ("none" if you never rated it)',
        params: VideoIdParamsSchema,
        response: { 200: RatingSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      await requireVisibleVideo(db, request, request.params.vid);
      return { rating: await ratingOf(db.kysely, sessionUserOf(request).user_id, request.params.vid) };
    },
  );
}
