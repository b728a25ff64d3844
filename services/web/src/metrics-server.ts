import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '@video/shared/config';
import { baseServerOptions, commonPlugin } from '@video/shared/http';

/**
 * The web's /metrics, on a port of its own (`web_metrics_port`): the public port serves pages and
 * the proxy only, so the site's traffic figures are never readable by its visitors.
 */
export async function buildMetricsApp(config: Config, deps: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify(baseServerOptions(config, 'web', deps.logger === false ? { logger: false } : {}));
  await app.register(commonPlugin, { service: 'web', metricsToken: config.metrics_token });
  return app;
}
