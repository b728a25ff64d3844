import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import type { Config, DialectName, Db } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { expect } from 'vitest';
import { buildApp, type AppDeps } from '../src/app.js';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

/** The api on a fresh database of its own; rate limits raised unless a test is about them. */
export async function buildTestApp(dialect: DialectName, overrides: Partial<Config> = {}, deps: Omit<AppDeps, 'db'> = {}): Promise<TestApp> {
  const { db, close } = await openTestDb(dialect);
  const config = testConfig({ signin_rate_limit: 100_000, ...overrides });
  const app = await buildApp(config, { logger: false, ...deps, db });
  await app.ready();
  return {
    app,
    db,
    config,
    close: async () => {
      await app.close();
      await close();
    },
  };
}

export function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json() as { error: unknown; error_code: unknown };
  expect(body.error_code).toBe(code);
  expect(typeof body.error).toBe('string');
}

let counter = 0;
/** A user name unique within the test run. */
export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

export async function signUp(app: FastifyInstance, name = uniqueName(), pwd = 'secret-pwd'): Promise<{ name: string; sid: string; id: number }> {
  const res = await app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd } });
  expect(res.statusCode, res.body).toBe(201);
  const sid = (res.json() as { session_id: string }).session_id;
  const me = await app.inject({ method: 'GET', url: `/user/${encodeURIComponent(name)}`, headers: { 'x-session-id': sid } });
  return { name, sid, id: (me.json() as { id: number }).id };
}

export async function createVideo(app: FastifyInstance, user: { name: string; sid: string }, name = 'a video'): Promise<{ id: string }> {
  const res = await app.inject({
    method: 'POST',
    url: `/user/${encodeURIComponent(user.name)}/videos`,
    headers: { 'x-session-id': user.sid },
    payload: { name },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

export async function postComment(app: FastifyInstance, sid: string, videoId: string, content = 'nice'): Promise<{ id: string }> {
  const res = await app.inject({ method: 'POST', url: `/videos/${videoId}/comments`, headers: { 'x-session-id': sid }, payload: { content } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

export const TEST_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the test Redis answers, checked once and quickly; REQUIRE_REDIS=1 makes "no" a failure,
 * else `what` is reported as skipped.
 */
export async function testRedisAvailable(what: string): Promise<boolean> {
  const probe = new Redis(TEST_REDIS, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  const up = await probe
    .connect()
    .then(async () => (await probe.ping()) === 'PONG')
    .catch(() => false)
    .finally(() => probe.disconnect());
  if (!up && process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but Redis at ${TEST_REDIS} is not reachable`);
  if (!up) console.warn(`${what} SKIPPED: no Redis at ${TEST_REDIS}`);
  return up;
}
