import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppError } from '../contract/errors.js';

/**
 * One Prometheus registry per process and the metrics every service may move. Services import the
 * metric they own (the limiter's gauge, the scheduler's counters) and the plugin serves /metrics.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests by service, method, route and status',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  registers: [registry],
});
export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by service, method, route and status',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});
export const limiterInUse = new Gauge({
  name: 'stream_limiter_slots_in_use',
  help: 'Stream server requests being served now',
  registers: [registry],
});
export const limiterRejected = new Counter({
  name: 'stream_limiter_rejected_total',
  help: 'Requests turned away with 429 by the connection limiter',
  registers: [registry],
});
export const uploadBytes = new Counter({
  name: 'upload_bytes_total',
  help: 'Bytes of video stored by completed uploads',
  registers: [registry],
});
export const uploadFailures = new Counter({
  name: 'upload_failures_total',
  help: 'Uploads that failed or were aborted, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});
export const schedulerJobRuns = new Counter({
  name: 'scheduler_runs_total',
  help: 'Scheduler job runs, by job',
  labelNames: ['job'] as const,
  registers: [registry],
});
export const schedulerJobRecords = new Counter({
  name: 'scheduler_records_total',
  help: 'Scheduler records by job and outcome (claimed, purged, failed)',
  labelNames: ['job', 'outcome'] as const,
  registers: [registry],
});
const poolSources = new Set<() => { total: number; free: number; queued: number }>();

/** Lets the data layer report its pool; returns a function that stops reporting it. */
export function reportPool(source: () => { total: number; free: number; queued: number }): () => void {
  poolSources.add(source);
  return () => poolSources.delete(source);
}

export const dbPool = new Gauge({
  name: 'db_pool_connections',
  help: 'Database pool connections by state (MySQL only)',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    let total = 0;
    let free = 0;
    let queued = 0;
    for (const source of poolSources) {
      const s = source();
      total += s.total;
      free += s.free;
      queued += s.queued;
    }
    this.set({ state: 'open' }, total);
    this.set({ state: 'idle' }, free);
    this.set({ state: 'in_use' }, total - free);
    this.set({ state: 'waiting' }, queued);
  },
});

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * An onRequest hook demanding `Authorization: Bearer <token>` (the scheme in any case, as RFC 9110
 * allows); 401 in the error shape otherwise. Both sides are hashed so the comparison takes the same
 * time whatever was sent.
 */
function checkBearer(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest): Promise<void> => {
    const m = /^bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]), expected)) {
      throw new AppError('UNAUTHORIZED', 'GET /metrics needs Authorization: Bearer <metrics_token>', {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      });
    }
  };
}

/**
 * Counts and times every request, and serves GET /metrics in Prometheus text format; when `token`
 * (metrics_token) is set, /metrics answers only a request bearing it.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { service: string; token?: string }) => {
    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        service: opts.service,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      httpRequests.inc(labels);
      httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
    const onRequest = opts.token ? checkBearer(opts.token) : [];
    // Scraped every few seconds: its request lines are not logged below warn.
    app.get('/metrics', { onRequest, logLevel: 'warn' }, async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'video-metrics', fastify: '5.x' },
);
