import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorSchema, VIDEO_ID_PATTERN, type Db } from '@video/shared';
import { queueVideoDelete } from './delete-record-service.js';
import { checkInternalToken } from '../http/internal-token.js';

export const VideoDeleteParamsSchema = Type.Object({
  vidId: Type.String({ pattern: VIDEO_ID_PATTERN }),
});

export const SuccessSchema = Type.Object({ success: Type.Literal(true) });


/**
 * POST /video-delete-record/:vid-id (and GET, as the original's callers use): soft-deletes the
 * video if it is live and queues its purge, idempotently. Both methods demand the internal token, so a
 * page that makes a browser fetch the URL (`<img src>`) changes nothing.
 */
export const videoDeleteRecordRoute: FastifyPluginAsyncTypebox<{ db: Db; internalToken: string }> = async (app, opts) => {
  const schema = {
    params: VideoDeleteParamsSchema,
    response: { 200: SuccessSchema, 400: ErrorSchema, 401: ErrorSchema, 500: ErrorSchema, 503: ErrorSchema },
  };
  const handler = async (request: { params: { vidId: string } }) => {
    await queueVideoDelete(opts.db, request.params.vidId, Date.now());
    return { success: true as const };
  };
  // The token is checked before the id, so a caller without it learns nothing about what is valid.
  const onRequest = checkInternalToken(opts.internalToken);
  app.post('/video-delete-record/:vidId', { schema, onRequest }, handler);
  app.get('/video-delete-record/:vidId', { schema, onRequest }, handler);
};
