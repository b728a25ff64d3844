import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { VIDEO_ID_PATTERN, danmakuErrorResponses, type Db } from '@video/shared';
import { requireVisibleVideo } from '../http/visible-video.js';
import { densityOf } from './danmaku-repository.js';

const tags = ['danmaku'];
const MAX_BUCKETS = 20_000;

const DensityQuerySchema = Type.Object({
  id: Type.String({ pattern: VIDEO_ID_PATTERN, description: 'the video id' }),
  bucket: Type.Integer({ minimum: 1, maximum: 3600, default: 5, description: 'seconds per bucket' }),
});
const DensitySchema = Type.Object({
  code: Type.Literal(0),
  data: Type.Object({
    bucket: Type.Integer(),
    counts: Type.Array(Type.Tuple([Type.Integer(), Type.Integer()]), { description: 'sparse [bucket index, count], in order' }),
  }),
});

/** The seek-bar density curve: danmaku per time slice of the whole pool (DPlayer-style body). */
export const densityRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/danmaku/v3/density',
    {
      schema: {
        tags,
        summary: 'Danmaku per time slice of a video, for a density curve on the seek bar',
        querystring: DensityQuerySchema,
        response: { 200: DensitySchema, ...danmakuErrorResponses(400, 404) },
      },
    },
    async (request) => {
      const { id, bucket } = request.query;
      await requireVisibleVideo(db, request, id);
      return { code: 0 as const, data: { bucket, counts: await densityOf(db.kysely, db.dialect, id, bucket, MAX_BUCKETS) } };
    },
  );
};
