import Fastify, { type FastifyInstance } from 'fastify';
import { baseServerOptions, commonPlugin, registerHealth, type Config } from '@video/shared';

export interface WebDeps {
  /** Overrides the logger options (tests). */
  logger?: boolean;
}

/** Builds the web service (pages and the proxy to the other three) without listening. */
export async function buildApp(config: Config, deps: WebDeps = {}): Promise<FastifyInstance> {
  const app = Fastify(baseServerOptions(config, 'web', deps.logger === false ? { logger: false } : {}));
  await app.register(commonPlugin, { service: 'web' });
  registerHealth(app, async () => undefined);
  return app;
}
