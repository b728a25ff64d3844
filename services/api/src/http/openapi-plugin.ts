import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type HTTPMethods, type RouteOptions } from 'fastify';

/** Operational routes that are not part of the API a client programs against. */
const HIDDEN = new Set(['/healthz', '/metrics', '/openapi.json']);

/** Hop-by-hop and length headers, which the reply sets again for the forwarded body. */
const NOT_FORWARDED = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date']);

type RouteRecord = Pick<RouteOptions, 'method' | 'url' | 'schema'>;

const OPENAPI = {
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
      session: { type: 'apiKey' as const, in: 'header', name: 'X-Session-Id' },
      bearer: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT', description: 'an access token from POST /tokens (15 minutes)' },
    },
  },
};

/**
 * The documentation app: @fastify/swagger over the api's routes (replayed with their schemas and a
 * handler that is never called) and @fastify/swagger-ui at /docs. Built on the first /openapi.json
 * or /docs request, so an api that nobody reads the documentation of never loads either package
 * (or yaml, which both pull in): about 100 modules and several MB of idle heap.
 */
async function buildDocsApp(routes: readonly RouteRecord[]): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
  const docs = Fastify({ exposeHeadRoutes: false });
  // The replayed routes never validate or serialize anything: skip compiling their schemas.
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await docs.register(swagger, {
    openapi: OPENAPI,
    transform: ({ schema, url }) => ({ schema: HIDDEN.has(url) ? { ...(schema ?? {}), hide: true } : schema, url }),
  });
  await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  const never = async () => undefined;
  for (const r of routes) docs.route({ method: r.method, url: r.url, schema: r.schema, handler: never });
  await docs.ready();
  return docs;
}

/**
 * OpenAPI 3 generated from the route schemas, at /openapi.json, and the UI at /docs (its assets come
 * from the installed package, never another host). Registered before any route: it records each as
 * it is added; the documentation app is made from them on first use (buildDocsApp).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const routes: RouteRecord[] = [];
  app.addHook('onRoute', (r) => {
    if (!r.url.startsWith('/docs')) routes.push({ method: r.method, url: r.url, schema: r.schema });
  });
  let docs: Promise<FastifyInstance> | undefined;
  const docsApp = () => {
    docs ??= buildDocsApp(routes).catch((err: unknown) => {
      docs = undefined; // the next request tries again
      throw err;
    });
    return docs;
  };
  app.addHook('onClose', async () => {
    if (docs) await (await docs.catch(() => undefined))?.close();
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => (await docsApp()).swagger());

  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const headers: Record<string, string> = {};
    for (const h of ['accept', 'accept-encoding', 'if-none-match', 'if-modified-since', 'range', 'if-range']) {
      const v = request.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    // A HEAD asks the docs app for the GET: this app's own HEAD handling drops the body it answers with.
    const method = (request.method === 'HEAD' ? 'GET' : request.method) as HTTPMethods;
    const res = await (await docsApp()).inject({ method, url: request.url, headers });
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !NOT_FORWARDED.has(k)) reply.header(k, v);
    return reply.code(res.statusCode).send(res.rawPayload.length > 0 ? res.rawPayload : undefined);
  };
  const hidden = { schema: { hide: true } };
  app.get('/docs', hidden, forward);
  app.get('/docs/*', hidden, forward);
}
