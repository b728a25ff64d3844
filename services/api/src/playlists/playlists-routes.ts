import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodeCursor, notFound, type Db } from '@video/shared';
import { authHooks, sessionUserOf, viewerIdOf, type AuthHooks } from '../http/auth-hooks.js';
import { ListQuerySchema, UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { requireSafeIntegers } from '../http/pagination.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { videoJson } from '../videos/videos-views.js';
import { deletePlaylist } from './playlist-items-repository.js';
import { playlistItemsRoutes } from './playlist-items-routes.js';
import {
  NewPlaylistSchema,
  OwnPlaylistParamsSchema,
  PlaylistIdParamsSchema,
  PlaylistListSchema,
  PlaylistPatchSchema,
  PlaylistSchema,
  PlaylistWithVideosSchema,
  isPlaylistId,
} from './playlists-schemas.js';
import { createPlaylistsService, playlistJson, type PlaylistsService } from './playlists-service.js';

const tags = ['playlists'];
const PageQuerySchema = Type.Pick(ListQuerySchema, ['limit', 'cursor']);

/** Playlists: ordered lists of videos, public, unlisted (readable by id, never listed to others) or private. */
export const playlistsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const auth = authHooks(db);
  const playlists = createPlaylistsService(db);
  createRoute(app, playlists, auth);
  listRoute(app, playlists, auth);
  getRoute(app, playlists, auth);
  patchRoute(app, playlists, auth);
  deleteRoute(app, db, auth);
  playlistItemsRoutes(app, db, auth);
};

function createRoute(app: ApiApp, playlists: PlaylistsService, auth: AuthHooks): void {
  app.post(
    '/user/:username/playlists',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Create a playlist (privacy public unless said)',
        params: UserParamsSchema,
        body: NewPlaylistSchema,
        response: { 201: PlaylistSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(playlistJson(await playlists.create(sessionUserOf(request), request.body))),
  );
}

function listRoute(app: ApiApp, playlists: PlaylistsService, auth: AuthHooks): void {
  app.get(
    '/user/:username/playlists',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: "A user's playlists, newest first (all of them for their owner, else the public ones)",
        params: UserParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: PlaylistListSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const { limit, cursor } = request.query;
      const before = cursor === undefined ? undefined : decodeCursor(cursor, 'playlists');
      const page = await playlists.listOf(request.params.username, viewerIdOf(request), { limit, before });
      return { playlists: page.items.map(playlistJson), next_cursor: page.next_cursor };
    },
  );
}

function getRoute(app: ApiApp, playlists: PlaylistsService, auth: AuthHooks): void {
  app.get(
    '/playlists/:pid',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: 'A playlist and, in order, the videos in it the one asking may see (private: its owner only)',
        params: PlaylistIdParamsSchema,
        response: { 200: PlaylistWithVideosSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { playlist, videos } = await playlists.withVideos(request.params.pid, viewerIdOf(request));
      return { ...playlistJson(playlist), videos: videos.map((v) => videoJson(v, v.author)) };
    },
  );
}

function patchRoute(app: ApiApp, playlists: PlaylistsService, auth: AuthHooks): void {
  app.patch(
    '/user/:username/playlists/:pid',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: "Change a playlist's name, description or privacy",
        params: OwnPlaylistParamsSchema,
        body: PlaylistPatchSchema,
        response: { 200: PlaylistSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => playlistJson(await playlists.update(sessionUserOf(request), request.params.pid, request.body)),
  );
}

function deleteRoute(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.delete(
    '/user/:username/playlists/:pid',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Delete a playlist and its items',
        params: OwnPlaylistParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!isPlaylistId(request.params.pid)) throw notFound('no such playlist');
      await deletePlaylist(db, request.params.pid, sessionUserOf(request).user_id, Date.now());
      return reply.code(204).send(null);
    },
  );
}
