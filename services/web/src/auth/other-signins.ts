import type { FastifyInstance } from 'fastify';
import type { Config } from '@video/shared/config';
import type { ApiGateway } from './api-gateway.js';
import { IdentityGateway } from './identity-gateway.js';
import { refuseInternalApiPaths } from './internal-paths.js';
import { OidcClients } from './oidc-clients.js';
import { oidcRoutes } from './oidc-routes.js';
import { phoneSignInRoute } from './phone-signin-route.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The single sign-on providers and their discovered metadata (oidc-clients.ts). */
    oidcClients: OidcClients;
  }
}

/**
 * Single sign-on (`/auth/:provider`, its callback) and the phone sign-in's cookie route, plus the
 * guard that keeps the api's internal routes off the public `/api/*` proxy (register before it).
 */
export async function registerOtherSignIns(app: FastifyInstance, config: Config, api: ApiGateway): Promise<void> {
  const identities = new IdentityGateway(api.client, config.internal_token);
  app.decorate('oidcClients', new OidcClients(config.oidc_providers));
  await app.register(oidcRoutes, { config, api, identities, clients: app.oidcClients });
  await app.register(phoneSignInRoute, { config, identities });
  app.addHook('onRequest', refuseInternalApiPaths);
}
