import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** The app as a route plugin sees it: types flow from each route's TypeBox schemas. */
export type ApiApp = Parameters<FastifyPluginAsyncTypebox>[0];

/** OpenAPI's note that a route wants `X-Session-Id` or a bearer token (the schemes are declared in openapi-plugin.ts). */
export const sessionSecurity: { [scheme: string]: string[] }[] = [{ session: [] }, { bearer: [] }];
