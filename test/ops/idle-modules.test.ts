// A service that is not configured for Redis, Sentry, S3 or its docs being read loads none of their
// packages at start: each costs idle memory in every process (docs/BENCHMARKS.md, "Start-up and
// idle memory"). The bundles are the ones `npm start` runs, where a static import anywhere in a
// service's graph is loaded at start, even from a module it only imports lazily.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceNodeFlags } from '../../scripts/start-choice.js';
import { buildServices, packagesAtListen } from './module-probe.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OPTIONAL = ['ioredis', '@sentry/node', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'mysql2'];
// Sent nowhere: the SDK only parses it at start.
const DSN = 'http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1';
const REDIS = `redis://127.0.0.1:6379/0?prefix=idle-modules-${process.pid}:`;

let dir = '';
beforeAll(() => {
  dir = buildServices(root);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what a built service loads at start', () => {
  it('the api: no docs packages (swagger, swagger-ui, yaml), no ioredis, Sentry, SDK or mysql2', async () => {
    const loaded = await packagesAtListen(root, dir, 'api');
    expect(loaded).toContain('fastify'); // the probe sees packages
    expect(loaded).toContain('better-sqlite3');
    for (const p of [...OPTIONAL, '@fastify/swagger', '@fastify/swagger-ui', 'yaml']) expect(loaded).not.toContain(p);
  }, 60_000);

  for (const service of ['streamserver', 'scheduler', 'web']) {
    it(`the ${service}: no ioredis, Sentry, S3 SDK or mysql2`, async () => {
      const loaded = await packagesAtListen(root, dir, service);
      expect(loaded).toContain('fastify');
      for (const p of OPTIONAL) expect(loaded).not.toContain(p);
    }, 60_000);
  }

  it('the probe sees what is configured: the stream server with redis_url and sentry_dsn loads both', async () => {
    const loaded = await packagesAtListen(root, dir, 'streamserver', { REDIS_URL: REDIS, SENTRY_DSN: DSN });
    expect(loaded).toContain('ioredis');
    expect(loaded).toContain('@sentry/node');
  }, 60_000);

  it('each built entry starts node with the V8 flags npm start gives the service (scripts/node-flags.json)', () => {
    expect(serviceNodeFlags('api').length).toBeGreaterThan(0); // the file is read
    for (const service of ['api', 'streamserver', 'scheduler', 'web']) {
      const flags = serviceNodeFlags(service).map((f) => `${f} `).join('');
      const entry = readFileSync(path.join(dir, 'dist', service), 'utf8');
      expect(entry).toContain(`exec "\${NODE:-node}" ${flags}--enable-source-maps`);
    }
  });
});
