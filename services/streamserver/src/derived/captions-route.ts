import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { badRequest, CAPTION_LANG_RE, notFound, preconditionFailed } from '@video/shared';
import { limitConnections, type ConnectionLimiter } from '../limits/connection-limiter.js';
import type { TransferGuard } from '../limits/transfer-guard.js';
import { evaluatePreconditions } from '@video/shared/files';
import type { VideoRowCache } from '../media/video-row-cache.js';
import { ErrorSchema, VideoParamsSchema } from '../http/schemas.js';
import { mayWatch } from '../http/session-hook.js';
import { revalidated } from './derived-plan.js';
import { findCaptionTrack, type CaptionTrack } from './captions-repository.js';

export const CAPTIONS_ROUTE = '/videos/:vid/captions/:file';
export const VTT = 'text/vtt; charset=utf-8';
const VTT_SUFFIX = '.vtt';

export interface CaptionsRouteOptions {
  limiter: ConnectionLimiter;
  rows: VideoRowCache;
  guard?: TransferGuard;
}

const CaptionParamsSchema = Type.Composite([VideoParamsSchema, Type.Object({ file: Type.String({ maxLength: 64 }) })]);

/** The language a `<lang>.vtt` segment names: undefined (404) without the suffix, 400 for a tag that is none. */
export function captionLang(file: string): string | undefined {
  if (!file.endsWith(VTT_SUFFIX)) return undefined;
  const lang = file.slice(0, -VTT_SUFFIX.length);
  if (!CAPTION_LANG_RE.test(lang)) throw badRequest('the caption language must be a BCP 47 tag such as en or zh-Hans');
  return lang;
}

/** The stored tag as an HTTP entity tag (stored bare or already quoted). */
export function captionEtag(track: Pick<CaptionTrack, 'etag'>): string {
  const tag = track.etag;
  return tag.startsWith('"') || tag.startsWith('W/"') ? tag : `"${tag}"`;
}

/**
 * A caption track from the database: the video's privacy, ETag from the stored hash, 304 and 412
 * as for files, always revalidated (a track can be replaced under the same URL).
 */
export const captionsRoute: FastifyPluginAsyncTypebox<CaptionsRouteOptions> = async (app, opts) => {
  app.route({
    method: ['GET', 'HEAD'],
    url: CAPTIONS_ROUTE,
    schema: { params: CaptionParamsSchema, response: { '4xx': ErrorSchema, '5xx': ErrorSchema } },
    onRequest: limitConnections(opts.limiter, opts.guard),
    handler: async (request, reply) => {
      const id = request.params.vid;
      const lang = captionLang(request.params.file);
      const video = await opts.rows.get(id);
      if (!video || !(await mayWatch(request, video))) throw notFound('no such video');
      const track = lang === undefined ? undefined : await findCaptionTrack(app.db, id, lang);
      if (!track) throw notFound('no such caption track');
      return sendTrack(reply, track, revalidated(video.privacy));
    },
  });
};

/** 200 with the track (headers only for HEAD), 304, or 412, by the request's conditionals. */
function sendTrack(reply: FastifyReply, track: CaptionTrack, cacheControl: string) {
  const etag = captionEtag(track);
  const mtimeSec = Math.floor(track.updated_at / 1000);
  reply.headers({ etag, 'last-modified': new Date(mtimeSec * 1000).toUTCString(), 'cache-control': cacheControl });
  const pre = evaluatePreconditions(reply.request.headers, { etag, mtimeSec });
  if (pre === 412) throw preconditionFailed('a precondition failed: the track has changed');
  if (pre === 304) return reply.code(304).send();
  return reply.type(VTT).send(track.vtt);
}
