import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodeCursor, isVideoId, notFound, type Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { ListQuerySchema, UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { fetchPage, requireSafeIntegers } from '../http/pagination.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { VideoListSchema } from '../videos/videos-schemas.js';
import { videoJson } from '../videos/videos-views.js';
import { addFavorite, listFavorites, removeFavorite } from './favorites-repository.js';

const tags = ['favorites'];
const FavoriteParamsSchema = Type.Object({ username: Type.String(), vid: Type.String() });
const FavoritesQuerySchema = Type.Pick(ListQuerySchema, ['limit', 'cursor']);

/** Favorites (收藏): private to their owner; every route is own (401 without a session, 403 for another's). */
export const favoritesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const auth = authHooks(db);
  putFavoriteRoute(app, db, auth);
  deleteFavoriteRoute(app, db, auth);
  listFavoritesRoute(app, db, auth);
};

function putFavoriteRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.put(
    '/user/:username/favorites/:vid',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Add a video you may see to your favorites (idempotent: a second add keeps the first time)',
        params: FavoriteParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const video = await requireVisibleVideo(db, request, request.params.vid);
      await addFavorite(db.kysely, sessionUserOf(request).user_id, video.id, Date.now());
      return reply.code(204).send(null);
    },
  );
}

function deleteFavoriteRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.delete(
    '/user/:username/favorites/:vid',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Remove a video from your favorites (idempotent: 204 when it was not there)',
        params: FavoriteParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!isVideoId(request.params.vid)) throw notFound('no such video');
      await removeFavorite(db.kysely, sessionUserOf(request).user_id, request.params.vid);
      return reply.code(204).send(null);
    },
  );
}

function listFavoritesRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.get(
    '/user/:username/favorites',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Your favorites you may still see, most recently added first',
        params: UserParamsSchema,
        querystring: FavoritesQuerySchema,
        response: { 200: VideoListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const { limit, cursor } = request.query;
      const userId = sessionUserOf(request).user_id;
      const page = await fetchPage(
        { limit, before: cursor === undefined ? undefined : decodeCursor(cursor, 'favorites') },
        (p) => listFavorites(db.kysely, userId, p),
        (f) => ({ time: Number(f.favorite_time), id: f.id }),
        'favorites',
      );
      return { videos: page.items.map((v) => videoJson(v, v.author)), next_cursor: page.next_cursor };
    },
  );
}
