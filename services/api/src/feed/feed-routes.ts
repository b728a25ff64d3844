import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest, createSearchIndex, decodeCursor, findUserByName, notFound, searchWords, toIso, type Db, type PageQuery } from '@video/shared';
import { authHooks, viewerIdOf, type AuthHooks } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { isValidUserName, normalizeName } from '../http/input.js';
import { fetchPage, requireSafeIntegers } from '../http/pagination.js';
import type { ApiApp } from '../http/route-types.js';
import { VideoIdParamsSchema, VideoInfoSchema } from '../videos/videos-schemas.js';
import type { VideosService } from '../videos/videos-service.js';
import { videoJson } from '../videos/videos-views.js';
import { SORT_KEY, countListedVideos, listPublicVideos, listRelated, listedVideosByIds, type VideoWithAuthor } from './feed-repository.js';
import { FeedQuerySchema, ProfileSchema, RelatedQuerySchema, RelatedSchema, SearchQuerySchema, VideoPageSchema } from './feed-schemas.js';

export interface FeedRoutesOptions {
  db: Db;
  videos: VideosService;
}

const tags = ['public site'];
const json = (v: VideoWithAuthor) => videoJson(v, v.author);

/** The public site's reads: the feed, one video, search, related videos and a channel's profile. */
export const feedRoutes: FastifyPluginAsyncTypebox<FeedRoutesOptions> = async (app, { db, videos }) => {
  const auth = authHooks(db);
  feedRoute(app, db);
  videoRoute(app, videos, auth);
  searchRoute(app, db);
  relatedRoute(app, db, videos, auth);
  profileRoute(app, db);
};

function feedRoute(app: ApiApp, db: Db): void {
  app.get(
    '/videos',
    {
      schema: {
        tags,
        summary: 'Public videos that have a file: recent (newest first), hot, views or likes (most first)',
        querystring: FeedQuerySchema,
        response: { 200: VideoPageSchema, ...errorResponses(400) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const { sort, limit, cursor } = request.query;
      const kind = `feed-${sort}`;
      const key = SORT_KEY[sort];
      const before = cursor === undefined ? undefined : decodeCursor(cursor, kind);
      const page = await fetchPage({ limit, before }, (p) => listPublicVideos(db.kysely, sort, p), (v) => ({ time: Number(v[key]), id: v.id }), kind);
      return { videos: page.items.map(json), next_cursor: page.next_cursor };
    },
  );
}

function videoRoute(app: ApiApp, videos: VideosService, auth: AuthHooks): void {
  app.get(
    '/videos/:vid',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: 'One video by id (private ones for their owner only)',
        params: VideoIdParamsSchema,
        response: { 200: VideoInfoSchema, ...errorResponses(404) },
      },
    },
    async (request) => json(await videos.findVisible(request.params.vid, viewerIdOf(request))),
  );
}

function searchRoute(app: ApiApp, db: Db): void {
  const index = createSearchIndex(db.dialect);
  app.get(
    '/search',
    {
      schema: {
        tags,
        summary: 'Public videos whose name, tags, description or author match every word; best first',
        querystring: SearchQuerySchema,
        response: { 200: VideoPageSchema, ...errorResponses(400) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const { q, limit, cursor } = request.query;
      const text = q.trim();
      if ([...text].length < 1 || [...text].length > 200) throw badRequest('querystring.q must be 1–200 characters after trimming');
      const words = searchWords(text);
      const after = cursor === undefined ? undefined : decodeCursor(cursor, 'search');
      const search = (p: PageQuery) => index.search(db.kysely, { words, limit: p.limit, after: after && { score: after.time, id: after.id } });
      const page = await fetchPage({ limit }, search, (h) => ({ time: h.score, id: h.id }), 'search');
      return { videos: (await listedVideosByIds(db.kysely, page.items.map((h) => h.id))).map(json), next_cursor: page.next_cursor };
    },
  );
}

/**
 * The words of a title worth sharing: names match by substring, so short Latin words ("at", "of")
 * would match nearly everything; any CJK word is kept. The first few are enough, and keep it cheap.
 */
function titleWords(name: string): string[] {
  return searchWords(name)
    .filter((w) => [...w].length >= 3 || /[^\p{Script=Latin}\p{N}\p{P}]/u.test(w))
    .slice(0, 8);
}

function relatedRoute(app: ApiApp, db: Db, videos: VideosService, auth: AuthHooks): void {
  const index = createSearchIndex(db.dialect);
  app.get(
    '/videos/:vid/related',
    {
      onRequest: auth.maybeUser,
      schema: {
        tags,
        summary: 'Other public videos: sharing tags first, then title words, then the same author, then hot ones',
        params: VideoIdParamsSchema,
        querystring: RelatedQuerySchema,
        response: { 200: RelatedSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const video = await videos.findVisible(request.params.vid, viewerIdOf(request));
      const { limit } = request.query;
      const byTitle = await index.similarNames(db.kysely, { words: titleWords(video.name), exclude: video.id, limit });
      return { videos: (await listRelated(db.kysely, video, limit, byTitle)).map(json) };
    },
  );
}

function profileRoute(app: ApiApp, db: Db): void {
  app.get(
    '/user/:username/profile',
    {
      schema: {
        tags,
        summary: "A channel's public profile",
        params: UserParamsSchema,
        response: { 200: ProfileSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const name = normalizeName(request.params.username);
      const user = isValidUserName(name) ? await findUserByName(db.kysely, name) : undefined;
      if (!user) throw notFound('no such user');
      return {
        id: Number(user.id),
        user_name: user.user_name,
        created_at: toIso(Number(user.create_time)),
        videos_count: await countListedVideos(db.kysely, Number(user.id)),
        followers_count: Number(user.followers_count),
        following_count: Number(user.following_count),
      };
    },
  );
}
