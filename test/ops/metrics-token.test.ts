// metrics_token reaches each service's /metrics: with it set, a scrape without the bearer token is a
// 401 in the error shape, with it a 200 in Prometheus text format. (The web serves no /metrics on
// its public port; that is checked with the web.)
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp as buildApi } from '../../services/api/src/app.js';
import { buildApp as buildScheduler } from '../../services/scheduler/src/app.js';
import { buildApp as buildStream } from '../../services/streamserver/src/app.js';
import { parsePrometheusText } from './prometheus-text.js';

const TOKEN = 'scrape-token-0123456789abcdef';

describe.each([
  ['api', buildApi],
  ['streamserver', buildStream],
  ['scheduler', (config: Parameters<typeof buildScheduler>[0], deps: Parameters<typeof buildScheduler>[1]) => buildScheduler(config, { ...deps, startJobs: false })],
] as const)('%s /metrics with metrics_token set', (_name, build) => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  afterAll(async () => {
    await app?.close();
    await close?.();
  });

  it('401 without the bearer token, 200 Prometheus text with it', async () => {
    let db;
    ({ db, close } = await openTestDb('sqlite'));
    app = await build(testConfig({ metrics_token: TOKEN, internal_token: 'x' }), { db, logger: false });
    await app.ready();
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: expect.any(String), error_code: '002' });
    }
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(parsePrometheusText(ok.body).get('http_requests_total')?.type).toBe('counter');
  });
});
