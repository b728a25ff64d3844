import type { FastifyRequest } from 'fastify';
import { AppError, findLiveVideo, isVideoId, isVisibleTo, notFound, requireSession, sessionIdFromHeaders, type Db, type SessionUser, type Video } from '@video/shared';

async function optionalSession(db: Db, request: FastifyRequest): Promise<SessionUser | null> {
  const sessionId = sessionIdFromHeaders(request.headers);
  if (!sessionId) return null;
  try {
    return await requireSession(db, sessionId);
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 401) return null;
    throw err;
  }
}

/**
 * A live video the request may see, else the same 404 as an unknown id (privacy on every read
 * path). The session is looked up only for a private video, unless a hook already did.
 */
export async function requireVisibleVideo(db: Db, request: FastifyRequest, videoId: string): Promise<Video> {
  const video = isVideoId(videoId) ? await findLiveVideo(db.kysely, videoId) : undefined;
  if (!video) throw notFound('no such video');
  if (video.privacy === 'private') {
    const viewer = request.sessionUser ?? (await optionalSession(db, request));
    if (!isVisibleTo(video, viewer?.user_id)) throw notFound('no such video');
  }
  return video;
}
