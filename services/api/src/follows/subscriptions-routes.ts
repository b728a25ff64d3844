import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodeCursor, type Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { fetchPage, requireSafeIntegers } from '../http/pagination.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import type { VideoWithAuthor } from '../videos/videos-repository.js';
import { videoJson } from '../videos/videos-views.js';
import { VideoPageSchema } from '../feed/feed-schemas.js';
import { PageQuerySchema } from './follows-schemas.js';
import { requireUserByName } from './follows-service.js';
import { renderRss, siteOriginOf } from './rss.js';
import { listFeedVideos } from './subscriptions-repository.js';
import { listChannelVideos } from '../feed/feed-repository.js';

export interface SubscriptionsRoutesOptions {
  db: Db;
  fallbackOrigin: string;
}

const tags = ['follows'];
const RSS_ITEMS = 50;

/** What the users someone follows publish: their feed in the api, and each channel as RSS. */
export const subscriptionsRoutes: FastifyPluginAsyncTypebox<SubscriptionsRoutesOptions> = async (app, { db, fallbackOrigin }) => {
  feedRoute(app, db);
  rssRoute(app, db, fallbackOrigin);
};

function feedRoute(app: ApiApp, db: Db): void {
  app.get(
    '/user/:username/feed',
    {
      onRequest: authHooks(db).ownUser,
      schema: {
        tags,
        security,
        summary: 'The public videos with a file of the users you follow, newest first',
        params: UserParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: VideoPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const { limit, cursor } = request.query;
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      const me = sessionUserOf(request).user_id;
      const page = await fetchPage({ limit, before }, (p) => listFeedVideos(db, me, p), (v) => ({ time: Number(v.create_time), id: v.id }));
      return { videos: page.items.map((v: VideoWithAuthor) => videoJson(v, v.author)), next_cursor: page.next_cursor };
    },
  );
}

function rssRoute(app: ApiApp, db: Db, fallbackOrigin: string): void {
  app.get(
    '/user/:username/videos.rss',
    {
      schema: {
        tags,
        summary: `RSS 2.0 of a channel's ${RSS_ITEMS} newest public videos with a file`,
        params: UserParamsSchema,
        produces: ['application/rss+xml'],
        response: { 200: Type.String({ description: 'an RSS 2.0 document' }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const user = await requireUserByName(db, request.params.username);
      const videos = await listChannelVideos(db.kysely, Number(user.id), false, { limit: RSS_ITEMS });
      const origin = siteOriginOf(request.protocol, request.host, fallbackOrigin);
      return reply.type('application/rss+xml; charset=utf-8').send(renderRss({ userName: user.user_name, origin, videos }));
    },
  );
}
