import type { FastifyInstance } from 'fastify';
import { unavailable } from '../contract/errors.js';

/**
 * GET /healthz: 200 {"status":"ok"} when `check` resolves, 503 with the contract's error fields
 * when a dependency it needs is down. Its requests are not logged below warn.
 */
export function registerHealth(app: FastifyInstance, check: () => Promise<Record<string, unknown> | void>): void {
  // Launchers, orchestrators and load balancers ask every few seconds: the request lines would bury
  // the work in the log. A failing check still logs its warning.
  app.get('/healthz', { logLevel: 'warn' }, async (request, reply) => {
    try {
      const extra = (await check()) ?? {};
      return { status: 'ok', ...extra };
    } catch (err) {
      request.log.warn({ err }, 'health check failed');
      reply.code(503);
      return { status: 'unavailable', ...unavailable().toBody() };
    }
  });
}
