import type { FastifyRequest } from 'fastify';
import { AppError } from '@video/shared/contract';
import { ApiGateway } from '../auth/api-gateway.js';
import { parseJson } from '../proxy/upstream-client.js';
import type { Profile, VideoJson, VideoListJson } from './page-models.js';
import { asConversations, asMessages, asPlaylist, asPlaylists, asUsers, asVideoList, isObject, isVideo } from './api-shapes.js';
import type { ConversationJson, MessagePage, PlaylistJson, PlaylistPage, UserPage } from './api-shapes.js';
import type { CaptionJson } from './watch-media.js';

/** What a page read of the api came to: the data, "not there" (404 or 400), or "the api is down". */
export type Read<T> = { ok: T } | { missing: true } | { down: true };

function asCaptions(value: unknown): CaptionJson[] | undefined {
  if (!isObject(value) || !Array.isArray(value.captions)) return undefined;
  return value.captions.filter((c): c is CaptionJson => isObject(c) && typeof c.lang === 'string' && typeof c.url === 'string');
}

function asProfile(value: unknown): Profile | undefined {
  return isObject(value) && typeof value.user_name === 'string' ? (value as unknown as Profile) : undefined;
}

/**
 * The api reads behind the public pages. Each carries the visitor's session (so an owner sees their
 * own private video) and the client's address; anything but a well-formed 200 is "missing" for a
 * 4xx and "down" otherwise, so a page never turns an api hiccup into a 500.
 */
export class PublicApi {
  constructor(private readonly gateway: ApiGateway) {}

  async read<T>(request: FastifyRequest, path: string, sessionId: string | undefined, shape: (v: unknown) => T | undefined): Promise<Read<T>> {
    try {
      const res = await this.gateway.client.request({
        method: 'GET',
        path,
        headers: ApiGateway.forwarded(request, sessionId ? { 'x-session-id': sessionId } : {}),
      });
      const data = res.status === 200 ? shape(parseJson(res.text)) : undefined;
      if (data !== undefined) return { ok: data };
      if (res.status >= 400 && res.status < 500) return { missing: true };
      request.log.warn({ path, status: res.status }, 'api answered a page read unexpectedly');
      return { down: true };
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 503) return { down: true };
      throw err;
    }
  }

  feed(request: FastifyRequest, sort: string, limit: number, sessionId?: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/videos?sort=${encodeURIComponent(sort)}&limit=${limit}`, sessionId, asVideoList);
  }

  search(request: FastifyRequest, q: string, limit: number, sessionId?: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/search?q=${encodeURIComponent(q)}&limit=${limit}`, sessionId, asVideoList);
  }

  video(request: FastifyRequest, id: string, sessionId?: string): Promise<Read<VideoJson>> {
    return this.read(request, `/videos/${encodeURIComponent(id)}`, sessionId, (v) => (isVideo(v) ? v : undefined));
  }

  related(request: FastifyRequest, id: string, sessionId?: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/videos/${encodeURIComponent(id)}/related?limit=12`, sessionId, asVideoList);
  }

  captions(request: FastifyRequest, id: string, sessionId?: string): Promise<Read<CaptionJson[]>> {
    return this.read(request, `/videos/${encodeURIComponent(id)}/captions`, sessionId, asCaptions);
  }

  profile(request: FastifyRequest, name: string, sessionId?: string): Promise<Read<Profile>> {
    return this.read(request, `/user/${encodeURIComponent(name)}/profile`, sessionId, asProfile);
  }

  userVideos(request: FastifyRequest, name: string, limit: number, sessionId?: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/user/${encodeURIComponent(name)}/videos?limit=${limit}`, sessionId, asVideoList);
  }

  /** `GET /user/:me/feed`: the videos of the users `me` follows. */
  subscriptions(request: FastifyRequest, me: string, limit: number, sessionId: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/user/${encodeURIComponent(me)}/feed?limit=${limit}`, sessionId, asVideoList);
  }

  recommended(request: FastifyRequest, me: string, limit: number, sessionId: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/user/${encodeURIComponent(me)}/recommended?limit=${limit}`, sessionId, asVideoList);
  }

  /** `GET /user/:name/followers` or `/following`. */
  follows(request: FastifyRequest, name: string, which: 'followers' | 'following', limit: number, sessionId?: string): Promise<Read<UserPage>> {
    return this.read(request, `/user/${encodeURIComponent(name)}/${which}?limit=${limit}`, sessionId, asUsers);
  }

  playlist(request: FastifyRequest, pid: string, sessionId?: string): Promise<Read<PlaylistJson>> {
    return this.read(request, `/playlists/${encodeURIComponent(pid)}`, sessionId, asPlaylist);
  }

  conversations(request: FastifyRequest, me: string, sessionId: string): Promise<Read<ConversationJson[]>> {
    return this.read(request, `/user/${encodeURIComponent(me)}/conversations`, sessionId, asConversations);
  }

  /** The newest messages with `other` (the api marks those from `other` read). */
  thread(request: FastifyRequest, me: string, other: string, limit: number, sessionId: string): Promise<Read<MessagePage>> {
    return this.read(request, `/user/${encodeURIComponent(me)}/conversations/${encodeURIComponent(other)}?limit=${limit}`, sessionId, asMessages);
  }

  /** One of the signed-in user's own video lists: `favorites` or `history`. */
  ownList(request: FastifyRequest, me: string, which: 'favorites' | 'history', limit: number, sessionId: string): Promise<Read<VideoListJson>> {
    return this.read(request, `/user/${encodeURIComponent(me)}/${which}?limit=${limit}`, sessionId, asVideoList);
  }

  playlists(request: FastifyRequest, name: string, limit: number, sessionId?: string): Promise<Read<PlaylistPage>> {
    return this.read(request, `/user/${encodeURIComponent(name)}/playlists?limit=${limit}`, sessionId, asPlaylists);
  }

  blocked(request: FastifyRequest, me: string, limit: number, sessionId: string): Promise<Read<UserPage>> {
    return this.read(request, `/user/${encodeURIComponent(me)}/blocked?limit=${limit}`, sessionId, asUsers);
  }
}
