import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodeCursor, type Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { NextCursorSchema, UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { fetchPage, requireSafeIntegers } from '../http/pagination.js';
import { sessionSecurity as security } from '../http/route-types.js';
import { VideoInfoSchema } from '../videos/videos-schemas.js';
import { videoJson } from '../videos/videos-views.js';
import { clearHistory, listHistory } from './history-repository.js';

export interface HistoryRoutesOptions {
  db: Db;
}

const tags = ['history and recommendations'];

const HistoryQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
});
const HistoryPageSchema = Type.Object({ videos: Type.Array(VideoInfoSchema), next_cursor: NextCursorSchema });

/** A user's own watch history: the videos whose views counted for them, last watched first. */
export const historyRoutes: FastifyPluginAsyncTypebox<HistoryRoutesOptions> = async (app, { db }) => {
  const auth = authHooks(db);
  app.get(
    '/user/:username/history',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'The videos whose views counted for you, last watched first (ones you can no longer see drop out)',
        params: UserParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const { limit, cursor } = request.query;
      const userId = sessionUserOf(request).user_id;
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      const page = await fetchPage({ limit, before }, (p) => listHistory(db.kysely, userId, p), (v) => ({ time: Number(v.watched_at), id: v.id }));
      return { videos: page.items.map((v) => videoJson(v, v.author)), next_cursor: page.next_cursor };
    },
  );
  app.delete(
    '/user/:username/history',
    {
      onRequest: auth.ownUser,
      schema: { tags, security, summary: 'Clear your watch history', params: UserParamsSchema, response: { 204: Type.Null(), ...errorResponses(401, 403) } },
    },
    async (request, reply) => {
      await clearHistory(db.kysely, sessionUserOf(request).user_id);
      return reply.code(204).send(null);
    },
  );
};
