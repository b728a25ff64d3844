import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '@video/shared/config';
import { downPage, layoutOf, lookup, notFoundPage, type PageDeps } from './page-context.js';
import { HLS_SCRIPT } from './assets-plugin.js';
import { mediaView, type CaptionJson } from './watch-media.js';
import { playlistQueue } from './social-views.js';
import { channelPath, formatAge, formatDate, formatViews, searchPath, siteOrigin, toCard, watchPath, type VideoJson } from './page-models.js';

const CHANNEL_PAGE = 48;
const FOLLOW_PAGE = 50;

const userLink = (u: { user_name: string }) => ({ name: u.user_name, href: channelPath(u.user_name) });

// Whatever the path holds is the api's to refuse: an id or name it does not know is the 404 page,
// and one too long to be anybody's never reaches it.
const WatchParamsSchema = Type.Object({ id: Type.String({ minLength: 1 }) });
const WatchQuerySchema = Type.Object({ list: Type.Optional(Type.String({ maxLength: 1024 })) });
const ChannelParamsSchema = Type.Object({ name: Type.String({ minLength: 1 }) });
const MAX_PARAM = 256;

function originOf(request: FastifyRequest, config: Config): string {
  return siteOrigin(request.protocol, request.host, `${config.host}:${config.web_port}`);
}

/** The watch page's values: the video's text, its counts, its media, and its absolute links for sharing. */
function watchView(video: VideoJson, origin: string, captions: CaptionJson[], config: Config) {
  const canonical = origin + watchPath(video.id);
  const poster = typeof video.poster === 'string' && video.poster.startsWith('/') ? origin + video.poster : '';
  return {
    video: {
      id: video.id,
      name: video.name,
      author: video.author ?? '',
      authorHref: toCard(video).authorHref,
      description: video.description ?? '',
      tags: (video.tags ?? []).map((tag) => ({ tag, href: searchPath(tag) })),
      privacy: video.privacy ?? 'public',
      views: formatViews(video.views),
      likes: video.likes ?? 0,
      dislikes: video.dislikes ?? 0,
      age: formatAge(video.create_time),
      pending: video.upload_state === 'pending',
      commentsPolicy: video.comments_policy ?? 'open',
      hidden: video.hidden === true,
    },
    media: mediaView(video, captions, config.player_logo),
    hlsScript: HLS_SCRIPT,
    next: watchPath(video.id),
    signinHref: `/?next=${encodeURIComponent(watchPath(video.id))}#auth`,
    og: { url: canonical, image: poster, description: (video.description ?? '').slice(0, 200), video: `${origin}/videos/${encodeURIComponent(video.id)}` },
  };
}

export async function watchPagesRoutes(appBase: FastifyInstance, deps: PageDeps): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 404: Type.String(), 503: Type.String() };

  app.get('/v/:id', { schema: { params: WatchParamsSchema, querystring: WatchQuerySchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    if ('down' in viewer) return downPage(reply, viewer);
    const { id } = request.params;
    if (id.length > MAX_PARAM) return notFoundPage(reply, viewer, 'video');
    const pid = request.query.list ?? '';
    const [found, related, captions, list] = await Promise.all([
      deps.pub.video(request, id, viewer.sessionId),
      deps.pub.related(request, id, viewer.sessionId),
      deps.pub.captions(request, id, viewer.sessionId),
      pid && pid.length <= MAX_PARAM ? deps.pub.playlist(request, pid, viewer.sessionId) : Promise.resolve(undefined),
    ]);
    if ('down' in found) return downPage(reply, viewer);
    if ('missing' in found) return notFoundPage(reply, viewer, 'video');
    const layout = layoutOf(viewer);
    return reply.view('watch', {
      ...layout,
      title: found.ok.name,
      ...watchView(found.ok, originOf(request, deps.config), 'ok' in captions ? captions.ok : [], deps.config),
      owner: layout.userName !== null && layout.userName === found.ok.author,
      queue: list && 'ok' in list ? playlistQueue(list.ok, id) : null,
      related: 'ok' in related ? related.ok.videos.filter((v) => v.id !== id).map((v) => toCard(v)) : [],
    });
  });
  registerChannelPage(app, deps);
}

/** `/u/:name`: the profile, follows and public videos (the owner sees the rest, marked). */
function registerChannelPage(appBase: FastifyInstance, deps: PageDeps): void {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 404: Type.String(), 503: Type.String() };
  app.get('/u/:name', { schema: { params: ChannelParamsSchema, response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, deps);
    if ('down' in viewer) return downPage(reply, viewer);
    const { name } = request.params;
    if (name.length > MAX_PARAM) return notFoundPage(reply, viewer, 'channel');
    const [profile, list, followers, following] = await Promise.all([
      deps.pub.profile(request, name, viewer.sessionId),
      deps.pub.userVideos(request, name, CHANNEL_PAGE, viewer.sessionId),
      deps.pub.follows(request, name, 'followers', FOLLOW_PAGE, viewer.sessionId),
      deps.pub.follows(request, name, 'following', FOLLOW_PAGE, viewer.sessionId),
    ]);
    if ('down' in profile) return downPage(reply, viewer);
    if ('missing' in profile) return notFoundPage(reply, viewer, 'channel');
    const owner = layoutOf(viewer).userName === profile.ok.user_name;
    return reply.view('channel', {
      ...layoutOf(viewer),
      title: profile.ok.user_name,
      profile: {
        name: profile.ok.user_name,
        joined: formatDate(profile.ok.created_at),
        videosCount: profile.ok.videos_count ?? 0,
        followersCount: profile.ok.followers_count ?? 0,
        followingCount: profile.ok.following_count ?? 0,
        rss: `/api/user/${encodeURIComponent(profile.ok.user_name)}/videos.rss`,
      },
      followers: 'ok' in followers ? followers.ok.users.map(userLink) : [],
      following: 'ok' in following ? following.ok.users.map(userLink) : [],
      owner,
      cards: 'ok' in list ? list.ok.videos.map((v) => toCard(v)) : [],
      listDown: 'down' in list,
    });
  });
}
