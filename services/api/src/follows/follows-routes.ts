import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { listFollowRelation } from './follows-repository.js';
import { PageQuerySchema, UserPageSchema, UserPairParamsSchema } from './follows-schemas.js';
import { createFollowsService, requireUserByName, type FollowsService } from './follows-service.js';
import { subscriptionsRoutes } from './subscriptions-routes.js';
import { userPage } from './user-pages.js';

export interface FollowsRoutesOptions {
  db: Db;
  /** The site's own address for absolute links (RSS) when the request's Host is not a plain host. */
  fallbackOrigin: string;
}

const tags = ['follows'];

/** Follow and unfollow, who follows whom, the subscription feed and each channel's RSS. */
export const followsRoutes: FastifyPluginAsyncTypebox<FollowsRoutesOptions> = async (app, { db, fallbackOrigin }) => {
  const auth = authHooks(db);
  const follows = createFollowsService(db);
  followRoutes(app, follows, auth);
  relationRoute(app, db, 'following');
  relationRoute(app, db, 'followers');
  await app.register(subscriptionsRoutes, { db, fallbackOrigin });
};

function followRoutes(app: ApiApp, follows: FollowsService, auth: AuthHooks): void {
  const changes = [
    ['PUT', 'Follow a user (idempotent)', follows.follow],
    ['DELETE', 'Stop following a user (idempotent)', follows.unfollow],
  ] as const;
  for (const [method, summary, change] of changes) {
    app.route({
      method,
      url: '/user/:username/following/:name',
      onRequest: auth.ownUser,
      schema: { tags, security, summary, params: UserPairParamsSchema, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
      handler: async (request, reply) => {
        await change(sessionUserOf(request).user_id, request.params.name);
        return reply.code(204).send(null);
      },
    });
  }
}

function relationRoute(app: ApiApp, db: Db, side: 'following' | 'followers'): void {
  app.get(
    `/user/:username/${side}`,
    {
      schema: {
        tags,
        summary: side === 'following' ? 'Whom a user follows, newest first' : 'Who follows a user, newest first',
        params: UserParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: UserPageSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const user = await requireUserByName(db, request.params.username);
      return userPage(request.query, (page) => listFollowRelation(db.kysely, Number(user.id), side, page));
    },
  );
}
