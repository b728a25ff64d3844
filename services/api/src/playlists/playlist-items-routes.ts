import { Type } from '@sinclair/typebox';
import { isVideoId, notFound, type Db } from '@video/shared';
import { sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { appendItem, moveItem, removeItem, type ItemChange } from './playlist-items-repository.js';
import { MAX_PLAYLIST_VIDEOS, MoveItemSchema, PlaylistItemParamsSchema, isPlaylistId } from './playlists-schemas.js';

const tags = ['playlists'];
const url = '/user/:username/playlists/:pid/videos/:vid';

/** The change a request names, once its ids have the right shape (else 404, as for unknown ones). */
function itemChange(params: { pid: string; vid: string }, ownerId: number): ItemChange {
  if (!isPlaylistId(params.pid)) throw notFound('no such playlist');
  if (!isVideoId(params.vid)) throw notFound('no such video');
  return { playlistId: params.pid, ownerId, videoId: params.vid, now: Date.now() };
}

/** Adding, removing and moving the videos of one's own playlist. */
export function playlistItemsRoutes(app: ApiApp, db: Db, auth: AuthHooks): void {
  app.put(
    url,
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: `Append a video you may see (idempotent: one already in it stays where it is); at most ${MAX_PLAYLIST_VIDEOS} videos (409)`,
        params: PlaylistItemParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const change = itemChange(request.params, sessionUserOf(request).user_id);
      await requireVisibleVideo(db, request, change.videoId);
      await appendItem(db, change, MAX_PLAYLIST_VIDEOS);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    url,
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Remove a video (idempotent); the ones after it move up',
        params: PlaylistItemParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeItem(db, itemChange(request.params, sessionUserOf(request).user_id));
      return reply.code(204).send(null);
    },
  );
  app.patch(
    url,
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Move a video to a 0-based position (past the end: to the end)',
        params: PlaylistItemParamsSchema,
        body: MoveItemSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await moveItem(db, itemChange(request.params, sessionUserOf(request).user_id), request.body.position);
      return reply.code(204).send(null);
    },
  );
}
