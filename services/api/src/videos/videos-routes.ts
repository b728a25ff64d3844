import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@video/shared';
import { authHooks, sessionUserOf, viewerIdOf, type AuthHooks } from '../http/auth-hooks.js';
import { ListQuerySchema, UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { normalizeName } from '../http/input.js';
import { pageQuery } from '../http/pagination.js';
import type { UserLimits } from '../http/rate-limits.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { videoMeta } from './video-input.js';
import { NewVideoSchema, VideoInfoSchema, VideoListSchema, VideoParamsSchema, VideoPatchSchema } from './videos-schemas.js';
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
  listVideosRoute(app, videos, auth);
  getVideoRoute(app, videos, auth);
  patchVideoRoute(app, videos, auth);
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
      const meta = videoMeta(request.body);
      const video = await videos.create(sessionUserOf(request), { ...meta, name: meta.name ?? '' });
      return reply.code(201).send(videoJson(video, video.author));
    },
  );
}

function listVideosRoute(app: ApiApp, videos: VideosService, auth: AuthHooks): void {
  app.get(
    '/user/:username/videos',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: "A user's videos, newest first: all of them for the owner, the public ones for anyone else",
        params: UserParamsSchema,
        querystring: ListQuerySchema,
        response: { 200: VideoListSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const name = normalizeName(request.params.username);
      const page = await videos.listByUserName(name, pageQuery(request.query), request.sessionUser);
      return { videos: page.items.map((v) => videoJson(v, name)), next_cursor: page.next_cursor };
    },
  );
}

function getVideoRoute(app: ApiApp, videos: VideosService, auth: AuthHooks): void {
  app.get(
    '/user/:username/videos/:vid',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: 'One video',
        params: VideoParamsSchema,
        response: { 200: VideoInfoSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const video = await videos.getOfUser(normalizeName(request.params.username), request.params.vid, viewerIdOf(request));
      return videoJson(video, video.author);
    },
  );
}

function patchVideoRoute(app: ApiApp, videos: VideosService, auth: AuthHooks): void {
  app.patch(
    '/user/:username/videos/:vid',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: "Edit a video's name, description, tags, privacy or comments policy; visible at once in every read",
        params: VideoParamsSchema,
        body: VideoPatchSchema,
        response: { 200: VideoInfoSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const video = await videos.update(sessionUserOf(request), request.params.vid, videoMeta(request.body));
      return videoJson(video, video.author);
    },
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
