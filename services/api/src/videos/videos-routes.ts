import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { ListQuerySchema, UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { normalizeName, trimmedText } from '../http/input.js';
import { pageQuery } from '../http/pagination.js';
import type { UserLimits } from '../http/rate-limits.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { NewVideoSchema, VideoInfoSchema, VideoListSchema, VideoParamsSchema } from './videos-schemas.js';
import type { VideosService } from './videos-service.js';
import { videoJson } from './videos-views.js';

export interface VideosRoutesOptions {
  db: Db;
  videos: VideosService;
  limits: Pick<UserLimits, 'videoCreate'>;
}

const tags = ['videos'];

export const videosRoutes: FastifyPluginAsyncTypebox<VideosRoutesOptions> = async (app, { db, videos, limits }) => {
  const auth = authHooks(db);
  createVideoRoute(app, videos, auth, limits);
  listVideosRoute(app, videos);
  getVideoRoute(app, videos);
  deleteVideoRoute(app, videos, auth);
};

function createVideoRoute(app: ApiApp, videos: VideosService, auth: AuthHooks, limits: VideosRoutesOptions['limits']): void {
  app.post(
    '/user/:username/videos',
    {
      onRequest: auth.ownUser,
      preHandler: limits.videoCreate,
      schema: {
        tags,
        security,
        summary: 'Create a video record (upload the file to the stream server next)',
        params: UserParamsSchema,
        body: NewVideoSchema,
        response: { 201: VideoInfoSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request, reply) => {
      const name = trimmedText('name', request.body.name, 256);
      const video = await videos.create(sessionUserOf(request).user_id, name);
      return reply.code(201).send(videoJson(video));
    },
  );
}

function listVideosRoute(app: ApiApp, videos: VideosService): void {
  app.get(
    '/user/:username/videos',
    {
      schema: {
        tags,
        summary: "A user's videos, newest first",
        params: UserParamsSchema,
        querystring: ListQuerySchema,
        response: { 200: VideoListSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const page = await videos.listByUserName(normalizeName(request.params.username), pageQuery(request.query));
      return { videos: page.items.map(videoJson), next_cursor: page.next_cursor };
    },
  );
}

function getVideoRoute(app: ApiApp, videos: VideosService): void {
  app.get(
    '/user/:username/videos/:vid',
    {
      schema: {
        tags,
        summary: 'One video',
        params: VideoParamsSchema,
        response: { 200: VideoInfoSchema, ...errorResponses(404) },
      },
    },
    async (request) => videoJson(await videos.getOfUser(normalizeName(request.params.username), request.params.vid)),
  );
}

function deleteVideoRoute(app: ApiApp, videos: VideosService, auth: AuthHooks): void {
  app.delete(
    '/user/:username/videos/:vid',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Delete a video: gone at once from every read; file and comments are purged later',
        params: VideoParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await videos.deleteOwn(sessionUserOf(request).user_id, request.params.vid);
      return reply.code(204).send(null);
    },
  );
}
