import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { forbidden, type Config } from '@video/shared';
import type { VideoRowCache } from '../media/video-row-cache.js';
import { ErrorSchema, VideoParamsSchema } from '../http/schemas.js';

export interface InternalRouteOptions {
  config: Config;
  rows: VideoRowCache;
}

/** Constant-time comparison of a presented token with the configured one; an empty one never matches. */
export function internalTokenMatches(expected: string, presented: unknown): boolean {
  if (expected === '' || typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * "Video <id> changed" (deleted, or later its privacy): the api calls this before it answers, so
 * no cached row serves the old state. Guarded by X-Internal-Token (config.internal_token).
 */
export const internalRoute: FastifyPluginAsyncTypebox<InternalRouteOptions> = async (app, opts) => {
  app.post(
    '/internal/videos/:vid/changed',
    { schema: { params: VideoParamsSchema, response: { 204: Type.Null(), '4xx': ErrorSchema, '5xx': ErrorSchema } } },
    async (request, reply) => {
      if (!internalTokenMatches(opts.config.internal_token, request.headers['x-internal-token'])) {
        throw forbidden('an internal route: X-Internal-Token is missing or wrong');
      }
      opts.rows.invalidate(request.params.vid);
      return reply.code(204).send(null);
    },
  );
};
