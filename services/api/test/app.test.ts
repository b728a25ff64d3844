import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { testConfig, testDialects } from '@video/shared/testing';
import { buildApp } from '../src/app.js';
import { buildTestApp, expectError, signUp, uniqueName } from './helper.js';

describe.each(testDialects())('app wiring on %s', (dialect) => {
  it('serves OpenAPI 3 with every api route and no operational ones, and a local /docs UI', async () => {
    const t = await buildTestApp(dialect);
    try {
      const res = await t.app.inject({ url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toMatch(/^3\./);
      const paths = Object.keys(doc.paths);
      for (const p of [
        '/user',
        '/user/{username}',
        '/user/{username}/videos',
        '/user/{username}/videos/{vid}',
        '/videos/{vid}/comments',
        '/videos/{vid}/comment/{cid}',
        '/videos/{vid}/comments/{cid}',
        '/session',
        '/videos/{vid}/captions',
        '/user/{username}/videos/{vid}/captions/{lang}',
        '/user/{username}/videos/{vid}/reprocess',
      ]) {
        expect(paths).toContain(p);
      }
      expect(paths).not.toContain('/healthz');
      expect(paths).not.toContain('/metrics');
      expect(doc.paths['/user'].post.responses['201']).toBeDefined();
      expect(JSON.stringify(doc)).not.toMatch(/pwd_hash/);

      const ui = await t.app.inject({ url: '/docs/' });
      expect(ui.statusCode).toBe(200);
      // Every script and stylesheet the UI loads comes from this server.
      const html = ui.body;
      expect(html).not.toMatch(/(src|href)="https?:\/\//);
      const init = await t.app.inject({ url: '/docs/static/swagger-initializer.js' });
      expect(init.statusCode).toBe(200);
      // Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
      expect(init.body).toMatch(/validatorUrl: null/);
    } finally {
      await t.close();
    }
  });

  it('413 009 for a body over 1 MiB; 400/415 for a body that is not JSON; 404 006 for an unknown route', async () => {
    const t = await buildTestApp(dialect);
    try {
      const big = JSON.stringify({ user_name: 'abc', pwd: 'x'.repeat(1024 * 1024) });
      expectError(await t.app.inject({ method: 'POST', url: '/user', payload: big, headers: { 'content-type': 'application/json' } }), 413, '009');
      expectError(await t.app.inject({ method: 'POST', url: '/user', payload: '<a/>', headers: { 'content-type': 'application/xml' } }), 415, '010');
      expectError(await t.app.inject({ method: 'POST', url: '/user', payload: 'user_name=a', headers: { 'content-type': 'text/plain' } }), 400, '001');
      expectError(await t.app.inject({ url: '/nope' }), 404, '006');
      const h = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-123' } });
      expect(h.json()).toEqual({ status: 'ok' });
      expect(h.headers['x-request-id']).toBe('req-123');
    } finally {
      await t.close();
    }
  });

  it('503 011 while the database is gone, never a crash', async () => {
    const t = await buildTestApp(dialect);
    const u = await signUp(t.app, uniqueName());
    await t.db.close();
    try {
      expectError(await t.app.inject({ url: `/user/${u.name}/videos` }), 503, '011');
      expectError(await t.app.inject({ url: `/user/${u.name}`, headers: { 'x-session-id': u.sid } }), 503, '011');
      expectError(await t.app.inject({ method: 'POST', url: '/user', payload: { user_name: uniqueName(), pwd: 'secret1' } }), 503, '011');
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(503);
    } finally {
      await t.app.close();
    }
  });
});

// Only MySQL has connections that can drop under a running service (testDialects() says when it is skipped).
for (const dialect of testDialects().filter((d) => d === 'mysql')) {
  describe(`database connections lost on ${dialect}`, () => {
    it('recovers by itself after the server kills its connections (503 011 at worst, meanwhile)', async () => {
      const t = await buildTestApp(dialect);
      try {
        const u = await signUp(t.app, uniqueName());
        const dbName = (await sql<{ name: string }>`select database() as name`.execute(t.db.kysely)).rows[0].name;
        let rowsKilled = 0;
        const admin = await createConnection({ uri: process.env.TEST_MYSQL_URL as string });
        try {
          const [rows] = await admin.query('select id from information_schema.processlist where db = ? and id <> connection_id()', [dbName]);
          rowsKilled = (rows as unknown[]).length;
          for (const row of rows as { id: number }[]) await admin.query(`kill ${Number(row.id)}`);
        } finally {
          await admin.end();
        }
        const statuses: number[] = [];
        for (let i = 0; i < 20 && statuses.at(-1) !== 200; i++) {
          const res = await t.app.inject({ url: `/user/${u.name}/videos` });
          if (res.statusCode !== 200) expectError(res, 503, '011');
          statuses.push(res.statusCode);
        }
        expect(rowsKilled).toBeGreaterThan(0);
        expect(statuses.at(-1)).toBe(200);
      } finally {
        await t.close();
      }
    });
  });
}

describe('the database without deps.db', () => {
  it('buildApp opens and migrates database_url itself, and closes it with the app', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'api-db-'));
    try {
      const app = await buildApp(testConfig({ database_url: `sqlite:${path.join(dir, 'video.db')}` }), { logger: false });
      try {
        const res = await app.inject({ method: 'POST', url: '/user', payload: { user_name: uniqueName(), pwd: 'secret-pwd' } });
        expect(res.statusCode, res.body).toBe(201);
      } finally {
        await app.close();
      }
      await expect(app.db.kysely.selectFrom('users').selectAll().execute()).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
