import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '@video/shared';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * An onRequest hook demanding X-Internal-Token equal to `token` (config.internal_token, which every
 * service's main resolves). An empty token refuses everything, so the routes are never open. Both sides
 * are hashed first so the comparison takes the same time whatever the input.
 */
export function requireInternalToken(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers['x-internal-token'];
    if (token === '' || typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      throw unauthorized('missing or wrong X-Internal-Token');
    }
  };
}
