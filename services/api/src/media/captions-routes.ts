import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { unsupportedMediaType, type Db } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { requireVisibleVideo } from '../http/visible-video.js';
import { VideoIdParamsSchema } from '../videos/videos-schemas.js';
import { MAX_CAPTION_BYTES, decodeCaptionBody, toWebVtt, type CaptionFormat } from './caption-text.js';
import { CaptionBodySchema, CaptionCreatedSchema, CaptionListSchema, CaptionParamsSchema, CaptionReplacedSchema } from './media-schemas.js';
import { captionLang, type MediaService } from './media-service.js';

export interface CaptionsRoutesOptions {
  db: Db;
  media: MediaService;
}

const tags = ['captions'];
const FORMATS: Record<string, CaptionFormat> = { 'text/vtt': 'vtt', 'application/x-subrip': 'srt' };

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/**
 * This plugin's only body parsers (JSON and the rest are removed here, so any other type is a
 * 415): WebVTT and SubRip, at most 1 MiB, handed on as text checked to be UTF-8. A charset
 * parameter other than UTF-8 is a 415 too: the text would be read wrong.
 */
function registerCaptionParsers(app: ApiApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(Object.keys(FORMATS), { parseAs: 'buffer', bodyLimit: MAX_CAPTION_BYTES }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) {
      done(unsupportedMediaType('caption text must be UTF-8'), undefined);
      return;
    }
    try {
      done(null, decodeCaptionBody(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** Caption tracks: the owner's PUT and DELETE of one language, anyone's list of a visible video. */
export const captionsRoutes: FastifyPluginAsyncTypebox<CaptionsRoutesOptions> = async (app, { db, media }) => {
  registerCaptionParsers(app);
  const auth = authHooks(db);
  putCaptionRoute(app, media, auth);
  deleteCaptionRoute(app, media, auth);
  listCaptionsRoute(app, db, media);
};

function putCaptionRoute(app: ApiApp, media: MediaService, auth: AuthHooks): void {
  app.put(
    '/user/:username/videos/:vid/captions/:lang',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: "Store a video's caption track in one language (WebVTT, or SubRip converted to WebVTT); 200 when it replaces that language's track",
        params: CaptionParamsSchema,
        body: CaptionBodySchema,
        response: { 200: CaptionReplacedSchema, 201: CaptionCreatedSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const lang = captionLang(request.params.lang);
      const format = FORMATS[mediaTypeOf(request.headers['content-type'])];
      if (!format) throw unsupportedMediaType('send the track as text/vtt or application/x-subrip');
      const vtt = toWebVtt(String(request.body), format);
      const { created, track } = await media.putCaption(sessionUserOf(request).user_id, request.params.vid, lang, vtt);
      return reply.code(created ? 201 : 200).send(track);
    },
  );
}

function deleteCaptionRoute(app: ApiApp, media: MediaService, auth: AuthHooks): void {
  app.delete(
    '/user/:username/videos/:vid/captions/:lang',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: "Remove a video's caption track in one language",
        params: CaptionParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await media.deleteCaption(sessionUserOf(request).user_id, request.params.vid, captionLang(request.params.lang));
      return reply.code(204).send(null);
    },
  );
}

function listCaptionsRoute(app: ApiApp, db: Db, media: MediaService): void {
  app.get(
    '/videos/:vid/captions',
    {
      schema: {
        tags,
        summary: "A video's caption tracks, by language (private videos for their owner only)",
        params: VideoIdParamsSchema,
        response: { 200: CaptionListSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const video = await requireVisibleVideo(db, request, request.params.vid);
      return { captions: await media.listCaptions(video.id) };
    },
  );
}
