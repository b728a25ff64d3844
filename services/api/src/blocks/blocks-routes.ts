import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { PageQuerySchema, UserPageSchema, UserPairParamsSchema } from '../follows/follows-schemas.js';
import { otherUser } from '../follows/follows-service.js';
import { userPage } from '../follows/user-pages.js';
import { deleteBlock, insertBlock, listBlocked } from './blocks-repository.js';

export interface BlocksRoutesOptions {
  db: Db;
}

const tags = ['blocks'];

/** Blocking: a blocked user's messages, comments and danmaku to the blocker are refused (isBlocked). */
export const blocksRoutes: FastifyPluginAsyncTypebox<BlocksRoutesOptions> = async (app, { db }) => {
  const ownUser = authHooks(db).ownUser;
  changeRoutes(app, db, ownUser);
  app.get(
    '/user/:username/blocked',
    {
      onRequest: ownUser,
      schema: {
        tags,
        security,
        summary: 'Whom you have blocked, newest first',
        params: UserParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: UserPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => userPage(request.query, (page) => listBlocked(db.kysely, sessionUserOf(request).user_id, page)),
  );
};

function changeRoutes(app: ApiApp, db: Db, ownUser: ReturnType<typeof authHooks>['ownUser']): void {
  const schema = { tags, security, params: UserPairParamsSchema, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } };
  app.put('/user/:username/blocked/:name', { onRequest: ownUser, schema: { ...schema, summary: 'Block a user (idempotent)' } }, async (request, reply) => {
    const me = sessionUserOf(request).user_id;
    await insertBlock(db.kysely, me, await otherUser(db, me, request.params.name), Date.now());
    return reply.code(204).send(null);
  });
  app.delete('/user/:username/blocked/:name', { onRequest: ownUser, schema: { ...schema, summary: 'Lift a block (idempotent)' } }, async (request, reply) => {
    const me = sessionUserOf(request).user_id;
    await deleteBlock(db.kysely, me, await otherUser(db, me, request.params.name));
    return reply.code(204).send(null);
  });
}
