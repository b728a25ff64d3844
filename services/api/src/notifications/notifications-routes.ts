import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest, decodeCursor, type Db, type PageQuery } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { fetchPage } from '../http/pagination.js';
import { sessionSecurity as security } from '../http/route-types.js';
import { countUnread, listNotifications, markRead } from './notifications-repository.js';
import { MarkReadSchema, NotificationListSchema, NotificationsQuerySchema } from './notifications-schemas.js';
import { notificationJson } from './notifications-views.js';

const tags = ['notifications'];

/** A user's own notifications: the list (newest first, with the unread count) and marking read. */
export const notificationsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const auth = authHooks(db);
  app.get(
    '/user/:username/notifications',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Your notifications, newest first (?unread=1: only unread ones)',
        params: UserParamsSchema,
        querystring: NotificationsQuerySchema,
        response: { 200: NotificationListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const userId = sessionUserOf(request).user_id;
      const { limit, cursor, unread } = request.query;
      const page: PageQuery = { limit };
      if (cursor !== undefined) page.before = decodeCursor(cursor);
      const unreadOnly = unread === '1' || unread === 'true';
      const [result, unread_count] = await Promise.all([
        fetchPage(page, (p) => listNotifications(db.kysely, userId, p, unreadOnly), (n) => ({ time: Number(n.created_at), id: n.id })),
        countUnread(db.kysely, userId),
      ]);
      return { notifications: result.items.map(notificationJson), next_cursor: result.next_cursor, unread_count };
    },
  );
  app.post(
    '/user/:username/notifications/read',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Mark notifications read: {"ids":[…]} (at most 100; others’ ids are ignored) or {"all":true}',
        params: UserParamsSchema,
        body: MarkReadSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { ids, all } = request.body;
      if (all !== true && ids === undefined) throw badRequest('body must have "ids" or "all": true');
      await markRead(db.kysely, sessionUserOf(request).user_id, all === true ? 'all' : ids ?? []);
      return reply.code(204).send(null);
    },
  );
};
