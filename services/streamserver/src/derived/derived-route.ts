import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isVideoId, notFound, type Config, type Video } from '@video/shared';
import { keyOfDerivedName } from '@video/shared/storage';
import { movedToBucket, replyFromBucket } from '../storage/bucket-reply.js';
import { limitConnections, type ConnectionLimiter } from '../limits/connection-limiter.js';
import type { TransferGuard } from '../limits/transfer-guard.js';
import type { FastResolver, FastTarget } from '../media/fast-path.js';
import { replyWithFile } from '../media/file-reply.js';
import type { AccelRedirect } from '../media/accel-redirect.js';
import type { OpenFileCache } from '@video/shared/files';
import type { VideoRowCache } from '../media/video-row-cache.js';
import { ErrorSchema, VideoParamsSchema } from '../http/schemas.js';
import { mayWatch } from '../http/session-hook.js';
import { parseDerivedUrl, planDerived, PLAYLIST, type DerivedFolder } from './derived-plan.js';

export const IMAGES_ROUTE = '/videos/:vid/:file';
export const HLS_ROUTE = '/videos/:vid/hls/:file';

export interface DerivedRouteOptions {
  limiter: ConnectionLimiter;
  /** The descriptors of derived files (not the originals' cache: no watch covers .media). */
  files: OpenFileCache;
  rows: VideoRowCache;
  guard?: TransferGuard;
  /** With storage_type s3, files moved to the bucket are answered from there. */
  config?: Config;
  /** stream_accel_redirect_prefix is set: nginx sends what came through it. */
  accel?: AccelRedirect;
}

const DerivedParamsSchema = Type.Composite([VideoParamsSchema, Type.Object({ file: Type.String({ maxLength: 64 }) })]);
/** `g`: the generation the URL names (master.m3u8 names it in every URI it lists). */
export const GenerationQuerySchema = Type.Object({ g: Type.Optional(Type.String({ maxLength: 64 })) });

/** What the handler reads of a request to either route. */
interface DerivedAsk {
  params: { vid: string; file: string };
  query: { g?: string };
}

/**
 * The poster, thumbnail, storyboard and HLS files of a video's current generation, under the
 * original's rules: the same privacy (the same 404 as an unknown id), ranges and conditionals,
 * the limiter. The file name is looked up in the layout's table, never joined as given.
 */
export const derivedRoute: FastifyPluginAsyncTypebox<DerivedRouteOptions> = async (app, opts) => {
  const { files, rows } = opts;
  const serve = async (folder: DerivedFolder, request: FastifyRequest & DerivedAsk, reply: FastifyReply) => {
    const id = request.params.vid;
    const video = await rows.get(id);
    if (!video || !(await mayWatch(request, video))) throw notFound('no such video');
    const target = planDerived(id, video, folder, request.params.file, request.query.g);
    const file = target && files.acquire(target.name);
    const key = target && !file && opts.config?.storage_type === 's3' && (await movedToBucket(rows, video)) && keyOfDerivedName(target.name);
    // A playlist's URIs are relative: followed to a presigned URL they would resolve against the
    // bucket, unsigned. Playlists are small, so they always come through here, and their URIs back here.
    const proxy = target?.contentType === PLAYLIST;
    if (target && key) return replyFromBucket(opts.config!, reply, key, { contentType: target.contentType, cacheControl: target.cacheControl, proxy });
    if (!target || !file) throw notFound('no such file');
    return replyWithFile(files, reply, file, target.contentType, { 'cache-control': target.cacheControl }, { accel: opts.accel, name: target.name });
  };
  const schema = {
    params: DerivedParamsSchema,
    querystring: GenerationQuerySchema,
    response: { '4xx': ErrorSchema, '5xx': ErrorSchema },
  };
  const onRequest = limitConnections(opts.limiter, opts.guard);
  app.route({ method: ['GET', 'HEAD'], url: IMAGES_ROUTE, schema, onRequest, handler: (request, reply) => serve('root', request, reply) });
  app.route({ method: ['GET', 'HEAD'], url: HLS_ROUTE, schema, onRequest, handler: (request, reply) => serve('hls', request, reply) });
};

/** URLs remembered by the fast path's resolver before it starts over. */
const MEMO_MAX = 4096;

/**
 * The fast path's side of the route: the same decision (planDerived) for a cached, non-private row.
 * A player asks for the same few URLs many times; the answer for a URL is kept with the row object
 * it was made from, and reused only while the row cache still hands out that very object (a
 * changed, expired or invalidated row is a new object, so the decision is made again).
 */
export function derivedResolver(files: OpenFileCache, rows: VideoRowCache): FastResolver {
  const memo = new Map<string, { id: string; video: Video; target: FastTarget }>();
  return (url) => {
    const hit = memo.get(url);
    if (hit && rows.peek(hit.id) === hit.video) return hit.target;
    const parsed = parseDerivedUrl(url);
    if (!parsed || !isVideoId(parsed.id)) return undefined;
    const video = rows.peek(parsed.id);
    if (!video || video.privacy === 'private') return undefined;
    const plan = planDerived(parsed.id, video, parsed.folder, parsed.segment, parsed.g);
    if (!plan) return undefined;
    const route = parsed.folder === 'hls' ? HLS_ROUTE : IMAGES_ROUTE;
    const target = { files, name: plan.name, contentType: plan.contentType, headers: { 'cache-control': plan.cacheControl }, route };
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(url, { id: parsed.id, video, target });
    return target;
  };
}
