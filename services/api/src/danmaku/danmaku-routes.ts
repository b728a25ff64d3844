import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  findAnyVideo,
  forbidden,
  notFound,
  tooManyRequests,
  createErrorHandler,
  danmakuErrorResponses,
  type Db,
} from '@video/shared';
import { isBlocked } from '../blocks/index.js';
import { notifyForComment } from '../comments/mentions.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { announceNotifications } from '../notifications/notify.js';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import {
  escapeHtml,
  normalizeColor,
  normalizeText,
  normalizeTime,
  normalizeType,
  toTuple,
  type DanmakuTuple,
} from './danmaku-format.js';
import { densityRoutes } from './danmaku-density-routes.js';
import { deleteDanmaku, findDanmaku, insertDanmaku, listPool } from './danmaku-repository.js';
import {
  DanmakuIdParamsSchema,
  NewDanmakuSchema,
  POOL_CAP,
  PoolQuerySchema,
  PoolSchema,
  PostedSchema,
} from './danmaku-schemas.js';
import type { LiveHub } from './live-hub.js';
import type { PostRateLimiter } from './post-rate-limiter.js';

export interface DanmakuRoutesOptions {
  db: Db;
  hub: LiveHub;
  limiter: PostRateLimiter;
}

const tags = ['danmaku'];

/** DPlayer's v3 danmaku backend: the pool, posting and deleting. */
export const danmakuRoutes: FastifyPluginAsyncTypebox<DanmakuRoutesOptions> = async (app, opts) => {
  // DPlayer reads `msg` of a failed call and shows it; the contract's fields stay beside it.
  app.setErrorHandler(createErrorHandler({ format: 'dplayer' }));

  const auth = authHooks(opts.db);

  await app.register(densityRoutes, { db: opts.db });

  for (const url of ['/danmaku/v3/', '/danmaku/v3']) {
    poolRoute(app, url, opts);
    postRoute(app, url, opts, auth);
  }
  deleteRoute(app, opts, auth);
};

function poolRoute(app: ApiApp, url: string, { db }: DanmakuRoutesOptions): void {
  app.get(
    url,
    {
      schema: {
        tags,
        summary: 'A video’s danmaku pool (DPlayer v3)',
        querystring: PoolQuerySchema,
        response: { 200: PoolSchema, ...danmakuErrorResponses(400, 404) },
      },
    },
    async (request) => {
      const { id, max, limit } = request.query;
      await requireVisibleVideo(db, request, id);
      const rows = await listPool(db.kysely, id, Math.min(max ?? limit ?? POOL_CAP, POOL_CAP));
      return { code: 0 as const, data: rows.map(toTuple) };
    },
  );
}

function postRoute(app: ApiApp, url: string, { db, hub, limiter }: DanmakuRoutesOptions, auth: AuthHooks): void {
  app.post(
    url,
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Post a danmaku (DPlayer v3); the author is the session’s user',
        body: NewDanmakuSchema,
        response: { 200: PostedSchema, ...danmakuErrorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const user = sessionUserOf(request);
      const body = request.body;
      const time = normalizeTime(body.time);
      const text = normalizeText(body.text);
      const type = normalizeType(body.type);
      const color = normalizeColor(body.color);
      const now = Date.now();
      const waitMs = await limiter.hit(user.user_id, now);
      if (waitMs > 0) throw tooManyRequests(waitMs / 1000, 'too many danmaku: wait a few seconds');
      const video = await requireVisibleVideo(db, request, body.id);
      if (await isBlocked(db.kysely, { ownerId: Number(video.author_id), actorId: user.user_id })) {
        throw forbidden("the video's owner has blocked you: you cannot post danmaku on their videos");
      }
      const id = randomUUID();
      const row = { id, video_id: body.id, author_id: user.user_id, time, type, color, text, create_time: now };
      const stored = await db.kysely.transaction().execute(async (trx) => {
        await insertDanmaku(trx, row);
        return notifyForComment(trx, { actorId: user.user_id, videoId: body.id, videoOwnerId: null, commentId: null, text, parentAuthorId: null });
      });
      announceNotifications(stored);
      const data: DanmakuTuple = toTuple({ time, type, color, author: user.user_name, text });
      // Stored first, pushed second: a viewer who missed the push still gets it with the pool.
      hub
        .publish(body.id, { type: 'danmaku', id, data, ...(body.nonce ? { nonce: body.nonce } : {}) })
        .catch((err: unknown) => request.log.warn({ err }, 'live push failed'));
      return {
        code: 0 as const,
        data: { id, video_id: body.id, time, type, color, author: escapeHtml(user.user_name), text: escapeHtml(text) },
      };
    },
  );
}

function deleteRoute(app: ApiApp, { db, hub }: DanmakuRoutesOptions, auth: AuthHooks): void {
  app.delete(
    '/danmaku/v3/:id',
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Delete a danmaku: its author or the video’s owner',
        params: DanmakuIdParamsSchema,
        response: { 204: { type: 'null' }, ...danmakuErrorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = sessionUserOf(request);
      const row = await findDanmaku(db.kysely, request.params.id);
      if (!row) throw notFound('no such danmaku');
      if (row.author_id !== user.user_id) {
        const video = await findAnyVideo(db.kysely, row.video_id);
        if (!video || video.author_id !== user.user_id) throw forbidden('only its author or the video’s owner may delete it');
      }
      await deleteDanmaku(db.kysely, row.id);
      hub
        .publish(row.video_id, { type: 'delete', id: row.id })
        .catch((err: unknown) => request.log.warn({ err }, 'live push failed'));
      return reply.code(204).send();
    },
  );
}
