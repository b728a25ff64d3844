import type { FastifyRequest } from 'fastify';
import { notFound } from '@video/shared/contract';

/** The api's internal routes (`/internal/…`) as they would be reached through the web's `/api/*` proxy. */
export function isInternalApiPath(url: string): boolean {
  let path = url.split('?')[0] ?? '';
  for (let i = 0; i < 3; i += 1) {
    try {
      const decoded = decodeURIComponent(path);
      if (decoded === path) break;
      path = decoded;
    } catch {
      break;
    }
  }
  return /^\/+api\/+(\.\/+)*internal(\/|$)/i.test(path.replace(/\\/g, '/'));
}

/**
 * An onRequest hook: the public proxy never forwards a request to the api's internal routes, whatever
 * token it carries. They stay reachable only on the api's own port, by the services.
 */
export async function refuseInternalApiPaths(request: FastifyRequest): Promise<void> {
  if (isInternalApiPath(request.url)) throw notFound('no such route');
}
