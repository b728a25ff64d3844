import type { FastifyRequest } from 'fastify';
import { findLiveVideo, isVideoId, isVisibleTo, notFound, optionalUser, type Db, type Video } from '@video/shared';
import { userAuth } from './auth-hooks.js';

/**
 * A live video the request may see, else the same 404 as an unknown id (privacy on every read
 * path). The session is looked up only for a private video, unless a hook already did.
 */
export async function requireVisibleVideo(db: Db, request: FastifyRequest, videoId: string): Promise<Video> {
  const video = isVideoId(videoId) ? await findLiveVideo(db.kysely, videoId) : undefined;
  if (!video) throw notFound('no such video');
  if (video.privacy === 'private') {
    const viewer = request.sessionUser ?? (await optionalUser(userAuth(db, request), request.headers));
    if (!isVisibleTo(video, viewer?.user_id)) throw notFound('no such video');
  }
  return video;
}
