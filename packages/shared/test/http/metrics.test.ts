import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { baseServerOptions, commonPlugin } from '../../src/index.js';

async function app(metricsToken?: string) {
  const a = Fastify(baseServerOptions({ log_level: 'silent' }, 'test', { logger: false }));
  await a.register(commonPlugin, { service: 'test', metricsToken });
  await a.ready();
  return a;
}

describe('GET /metrics', () => {
  const apps: Awaited<ReturnType<typeof app>>[] = [];
  afterAll(async () => Promise.all(apps.map((a) => a.close())));

  it('without metrics_token: open, Prometheus text', async () => {
    const a = await app('');
    apps.push(a);
    const res = await a.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE http_requests_total counter');
  });

  describe('with metrics_token set', () => {
    const token = 'metrics-secret-0123456789';
    it.each([
      ['no Authorization', undefined],
      ['a wrong token', 'Bearer nope'],
      ['a longer token', `Bearer ${token}x`],
      ['the token without the scheme', token],
      ['another scheme', `Basic ${Buffer.from(`x:${token}`).toString('base64')}`],
      ['an empty bearer', 'Bearer '],
    ])('%s: 401 in the error shape, no metrics', async (_what, authorization) => {
      const a = await app(token);
      apps.push(a);
      const res = await a.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toEqual({ error: expect.any(String), error_code: '002' });
      expect(res.body).not.toContain('http_requests_total');
    });

    it.each([`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token} `])('the right token (%j): 200', async (authorization) => {
      const a = await app(token);
      apps.push(a);
      const res = await a.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('# TYPE http_requests_total counter');
    });
  });
});
