import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { trimmedText } from '../http/input.js';
import { pageQuery } from '../http/pagination.js';
import type { UserLimits } from '../http/rate-limits.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { CommentListQuerySchema, CommentListSchema, CommentParamsSchema, CommentSchema, NewCommentSchema, VideoIdParamsSchema } from './comments-schemas.js';
import type { CommentsService } from './comments-service.js';
import { commentJson } from './comments-views.js';
import type { CommentThreadsService } from './comment-threads-service.js';
import { commentThreadsRoutes } from './comment-threads-routes.js';

export interface CommentsRoutesOptions {
  db: Db;
  comments: CommentsService;
  threads: CommentThreadsService;
  limits: Pick<UserLimits, 'comment'>;
}

const tags = ['comments'];

export const commentsRoutes: FastifyPluginAsyncTypebox<CommentsRoutesOptions> = async (app, { db, comments, threads, limits }) => {
  const auth = authHooks(db);
  await app.register(commentThreadsRoutes, { auth, threads });
  listCommentsRoute(app, comments, auth);
  postCommentRoute(app, comments, auth, limits);
  // The original spelled it /comment/; /comments/ matches the list route.
  approveRoute(app, comments, auth);
  for (const url of ['/videos/:vid/comment/:cid', '/videos/:vid/comments/:cid']) deleteCommentRoute(app, url, comments, auth);
};

function listCommentsRoute(app: ApiApp, comments: CommentsService, auth: AuthHooks): void {
  app.get(
    '/videos/:vid/comments',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: "A video's top-level comments: the pinned one first, then newest first",
        params: VideoIdParamsSchema,
        querystring: CommentListQuerySchema,
        response: { 200: CommentListSchema, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const page = await comments.list(request.params.vid, pageQuery(request.query), request.sessionUser, request.query.state);
      return { comments: page.items.map(commentJson), next_cursor: page.next_cursor };
    },
  );
}

function postCommentRoute(app: ApiApp, comments: CommentsService, auth: AuthHooks, limits: CommentsRoutesOptions['limits']): void {
  app.post(
    '/videos/:vid/comments',
    {
      onRequest: auth.anyUser,
      preHandler: limits.comment,
      schema: {
        tags,
        security,
        summary: 'Comment on a video, or reply to one of its top-level comments (parent_id), as the signed-in user',
        params: VideoIdParamsSchema,
        body: NewCommentSchema,
        response: { 201: CommentSchema, ...errorResponses(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request, reply) => {
      const content = trimmedText('content', request.body.content, 2000);
      const comment = await comments.post(sessionUserOf(request), request.params.vid, content, request.body.parent_id ?? null);
      return reply.code(201).send(commentJson(comment));
    },
  );
}

function deleteCommentRoute(app: ApiApp, url: string, comments: CommentsService, auth: AuthHooks): void {
  app.delete(
    url,
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Delete a comment and its replies (its author or the video owner)',
        params: CommentParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await comments.delete(sessionUserOf(request), request.params.vid, request.params.cid);
      return reply.code(204).send(null);
    },
  );
}

function approveRoute(app: ApiApp, comments: CommentsService, auth: AuthHooks): void {
  app.post(
    '/videos/:vid/comments/:cid/approve',
    {
      onRequest: auth.anyUser,
      schema: {
        tags,
        security,
        summary: 'Approve a comment waiting for approval (the video owner or a moderator); approving a visible one changes nothing',
        params: CommentParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await comments.approve(sessionUserOf(request), request.params.vid, request.params.cid);
      return reply.code(204).send(null);
    },
  );
}
