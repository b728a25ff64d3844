import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { connectDatabase, migrate, type Config, type Db, type DialectName } from '@video/shared';
import { TEST_REDIS_URL, createTestDatabase, testConfig } from '@video/shared/testing';
import { buildApp } from '../../src/app.js';
import { ROOMY_LIMITS } from '../fixtures/public-site.js';

/** One Redis namespace per test file run, so nothing left by another run is read. */
export const REDIS_URL = `${TEST_REDIS_URL}/?prefix=wtcache:rc-${process.pid}-${Date.now()}:`;

export interface CacheSite {
  app: FastifyInstance;
  /** The api's own database handle. */
  db: Db;
  /** A second handle on the same database, as the scheduler or the stream server holds. */
  other: Db;
  config: Config;
  url: string;
  close(): Promise<void>;
}

export interface SiteOptions {
  redisUrl?: string;
  cacheMb?: number;
  /** Another api on the same database (and Redis): the second instance of a pair. */
  sameDatabaseAs?: CacheSite;
}

/** The api with its own database handles (SQLite file or MySQL database), and Redis when given. */
export async function cacheSite(dialect: DialectName, opts: SiteOptions = {}): Promise<CacheSite> {
  const test = opts.sameDatabaseAs ? undefined : await createTestDatabase(dialect);
  const url = opts.sameDatabaseAs?.url ?? (test as { url: string }).url;
  const redisUrl = opts.redisUrl ?? '';
  const db = connectDatabase(url, { redisUrl, log: () => undefined });
  const other = connectDatabase(url, { redisUrl, log: () => undefined });
  if (!opts.sameDatabaseAs) await migrate(db);
  const config = testConfig({ signin_rate_limit: 100_000, ...ROOMY_LIMITS, redis_url: redisUrl, api_read_cache_mb: opts.cacheMb ?? 32 });
  const app = await buildApp(config, { logger: false, db });
  await app.ready();
  return {
    app,
    db,
    other,
    config,
    url,
    close: async () => {
      await app.close();
      await db.close();
      await other.close();
      await test?.drop();
    },
  };
}

/** A GET as a visitor, with x-cache saying whether the cache answered. */
export async function visit(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url, headers });
}

/**
 * Reads `url` until the cache answers it (the first read fills it; on MySQL the write clock's Redis
 * client may still be connecting, which serves uncached). Bounded: 50 reads, 2 s.
 */
export async function primed(app: FastifyInstance, url: string): Promise<LightMyRequestResponse> {
  const until = Date.now() + 2000;
  for (let i = 0; i < 50 && Date.now() < until; i++) {
    const res = await visit(app, url);
    if (res.headers['x-cache'] === 'hit') return res;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} was never answered from the cache`);
}

export function bodyOf<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
}
