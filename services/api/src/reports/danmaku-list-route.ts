import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { toIso, type Db } from '@video/shared';
import { authHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { requireSafeIntegers } from '../http/pagination.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { listRecentDanmaku } from './reports-repository.js';

const DanmakuItemSchema = Type.Object({
  id: Type.String(),
  time: Type.Number({ description: 'seconds into the video' }),
  text: Type.String({ description: 'as written (not escaped)' }),
  author: Type.String({ description: "the author's name; empty when the account is gone" }),
  create_time: Type.String({ format: 'date-time' }),
});

/**
 * A video's newest danmaku with their ids, so the watch page can list them with a Report button each
 * (the player's pool carries no ids).
 */
export const danmakuListRoute: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const auth = authHooks(db);
  app.get(
    '/videos/:vid/danmaku/recent',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags: ['danmaku'],
        summary: "A video's newest danmaku, newest first, with their ids",
        params: Type.Object({ vid: Type.String() }),
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) }),
        response: { 200: Type.Object({ danmaku: Type.Array(DanmakuItemSchema) }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const video = await requireVisibleVideo(db, request, request.params.vid);
      const rows = await listRecentDanmaku(db.kysely, video.id, request.query.limit);
      return { danmaku: rows.map((r) => ({ id: r.id, time: Number(r.time), text: r.text, author: r.user_name ?? '', create_time: toIso(Number(r.create_time)) })) };
    },
  );
};
