import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '@video/shared';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * An onRequest hook that demands X-Internal-Token equal to `token`. An empty `token` refuses every
 * request: the endpoint is never open (the service's main always resolves a token, generating one into
 * data_dir when none is configured). Both sides are hashed first so the comparison takes the same time
 * whatever the length or content.
 */
export function checkInternalToken(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers['x-internal-token'];
    if (token === '' || typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      throw unauthorized('missing or wrong X-Internal-Token');
    }
  };
}
