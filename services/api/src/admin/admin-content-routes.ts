import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sessionUserOf } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { trimmedText } from '../http/input.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import type { AdminRouteOptions } from './admin-plugin.js';
import { listTasks, listVideos, videoState } from './admin-repository.js';
import {
  AdminTaskListSchema,
  AdminVideoListSchema,
  CommentParamsSchema,
  DanmakuParamsSchema,
  TakedownSchema,
  TaskParamsSchema,
  TasksQuerySchema,
  VideoParamsSchema,
  VideosQuerySchema,
} from './admin-schemas.js';
import { adminTaskJson, adminVideoJson, offsetPage } from './admin-views.js';

const tags = ['admin'];

/** Videos (list, takedown), comments and danmaku (delete), processing tasks (list, retry). */
export const adminContentRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, opts) => {
  videoRoutes(app, opts);
  deleteRoutes(app, opts);
  taskRoutes(app, opts);
};

function videoRoutes(app: ApiApp, { db, service, hooks }: AdminRouteOptions): void {
  app.get(
    '/admin/videos',
    {
      onRequest: hooks.staff,
      schema: {
        tags,
        security,
        summary: 'Live videos by title part or id, and by state (a banned author’s too)',
        querystring: VideosQuerySchema,
        response: { 200: AdminVideoListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { q, state } = request.query;
      const filter = { q: q?.normalize('NFC').trim() || undefined, state };
      const page = await offsetPage(request.query, (limit, offset) => listVideos(db.kysely, filter, limit, offset));
      return { videos: page.items.map((v) => adminVideoJson(v, videoState(v))), next_offset: page.next_offset };
    },
  );
  app.delete(
    '/admin/videos/:vid',
    {
      onRequest: hooks.staff,
      preHandler: hooks.writeLimit,
      schema: {
        tags,
        security,
        summary: 'Take a video down: purged like an owner’s delete; the owner gets a takedown notification',
        params: VideoParamsSchema,
        body: TakedownSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await service.takedown(sessionUserOf(request), request.params.vid, trimmedText('reason', request.body.reason, 500));
      return reply.code(204).send(null);
    },
  );
}

function deleteRoutes(app: ApiApp, { service, hooks }: AdminRouteOptions): void {
  const response = { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) };
  app.delete(
    '/admin/comments/:cid',
    {
      onRequest: hooks.staff,
      preHandler: hooks.writeLimit,
      schema: { tags, security, summary: 'Delete a comment and its replies', params: CommentParamsSchema, response },
    },
    async (request, reply) => {
      await service.deleteComment(sessionUserOf(request), request.params.cid);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/admin/danmaku/:id',
    {
      onRequest: hooks.staff,
      preHandler: hooks.writeLimit,
      schema: { tags, security, summary: 'Delete a danmaku (also from its live room)', params: DanmakuParamsSchema, response },
    },
    async (request, reply) => {
      await service.deleteDanmaku(sessionUserOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}

function taskRoutes(app: ApiApp, { db, service, hooks }: AdminRouteOptions): void {
  app.get(
    '/admin/tasks',
    {
      onRequest: hooks.staff,
      schema: {
        tags,
        security,
        summary: 'Processing tasks, most recently changed first',
        querystring: TasksQuerySchema,
        response: { 200: AdminTaskListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await offsetPage(request.query, (limit, offset) => listTasks(db.kysely, request.query.state, limit, offset));
      return { tasks: page.items.map(adminTaskJson), next_offset: page.next_offset };
    },
  );
  app.post(
    '/admin/tasks/:id/retry',
    {
      onRequest: hooks.staff,
      preHandler: hooks.writeLimit,
      schema: {
        tags,
        security,
        summary: 'Queue a failed task again now, its attempts cleared',
        params: TaskParamsSchema,
        response: { 202: Type.Object({ id: Type.String(), state: Type.Literal('queued') }), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await service.retryTask(sessionUserOf(request), request.params.id);
      return reply.code(202).send({ id: request.params.id, state: 'queued' as const });
    },
  );
}
