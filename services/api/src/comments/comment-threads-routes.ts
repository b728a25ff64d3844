import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { trimmedText } from '../http/input.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import type { CommentThreadsService } from './comment-threads-service.js';
import { CommentListSchema, CommentParamsSchema, CommentSchema, EditCommentSchema, RepliesQuerySchema } from './comments-schemas.js';
import { commentJson } from './comments-views.js';

export interface CommentThreadsRoutesOptions {
  auth: AuthHooks;
  threads: CommentThreadsService;
}

const tags = ['comments'];

/** Replies, edits and the pin. */
export const commentThreadsRoutes: FastifyPluginAsyncTypebox<CommentThreadsRoutesOptions> = async (app, { auth, threads }) => {
  repliesRoute(app, threads, auth);
  editRoute(app, threads, auth);
  pinRoutes(app, threads, auth);
};

function repliesRoute(app: ApiApp, threads: CommentThreadsService, auth: AuthHooks): void {
  app.get(
    '/videos/:vid/comments/:cid/replies',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: "A top-level comment's replies, oldest first",
        params: CommentParamsSchema,
        querystring: RepliesQuerySchema,
        response: { 200: CommentListSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { vid, cid } = request.params;
      const page = await threads.replies(vid, cid, request.query, request.sessionUser);
      return { comments: page.items.map(commentJson), next_cursor: page.next_cursor };
    },
  );
}

function editRoute(app: ApiApp, threads: CommentThreadsService, auth: AuthHooks): void {
  app.patch(
    '/videos/:vid/comments/:cid',
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Edit a comment (its author only); edited_time says when',
        params: CommentParamsSchema,
        body: EditCommentSchema,
        response: { 200: CommentSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const content = trimmedText('content', request.body.content, 2000);
      return commentJson(await threads.edit(sessionUserOf(request), request.params.vid, request.params.cid, content));
    },
  );
}

function pinRoutes(app: ApiApp, threads: CommentThreadsService, auth: AuthHooks): void {
  const schema = (summary: string) => ({
    tags,
    security,
    summary,
    params: CommentParamsSchema,
    response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
  });
  app.put(
    '/videos/:vid/comments/:cid/pin',
    { onRequest: auth.anyUser, schema: schema('Pin a top-level comment (the video owner); the one pinned before is unpinned') },
    async (request, reply) => {
      await threads.pin(sessionUserOf(request), request.params.vid, request.params.cid);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/videos/:vid/comments/:cid/pin',
    { onRequest: auth.anyUser, schema: schema('Unpin a comment (the video owner)') },
    async (request, reply) => {
      await threads.unpin(sessionUserOf(request), request.params.vid, request.params.cid);
      return reply.code(204).send(null);
    },
  );
}
