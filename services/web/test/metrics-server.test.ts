import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@video/shared';
import { buildMetricsApp } from '../src/metrics-server.js';
import { buildWeb } from './helper.js';

describe("the web's metrics port", () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('serves /metrics in Prometheus text format, while the public port answers 404', async () => {
    const metrics = await buildMetricsApp(loadConfig({ file: null, env: {} }), { logger: false });
    const web = await buildWeb({});
    apps.push(metrics, web);
    const res = await metrics.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE http_requests_total counter');
    const pub = await web.inject({ method: 'GET', url: '/metrics' });
    expect(pub.statusCode).toBe(404);
    expect(pub.json()).toMatchObject({ error_code: '006' });
  });

  it('needs the bearer token when metrics_token is set', async () => {
    const metrics = await buildMetricsApp(loadConfig({ file: null, env: {}, overrides: { metrics_token: 's3cret' } }), { logger: false });
    apps.push(metrics);
    expect((await metrics.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const ok = await metrics.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer s3cret' } });
    expect(ok.statusCode).toBe(200);
  });
});
