import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Operational routes that are not part of the API a client programs against. */
const HIDDEN = new Set(['/healthz', '/metrics', '/openapi.json']);

/**
 * OpenAPI 3 generated from the route schemas. Registered before any route, since it collects them
 * as they are added. The UI's assets come from the installed package, never another host.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'video site api',
        version: '1.0.0',
        description:
          'Users, sessions, videos and comments. Send the session id from sign-up or sign-in in `X-Session-Id`, ' +
          'or an access token from `POST /tokens` as `Authorization: Bearer <token>`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'header', name: 'X-Session-Id' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'an access token from POST /tokens (15 minutes)' },
        },
      },
    },
    transform: ({ schema, url }) => ({ schema: HIDDEN.has(url) ? { ...(schema ?? {}), hide: true } : schema, url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
