import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadConfig, type Config } from '../config.js';
import { connectDatabase, type Db, type DialectName } from '../db/connect.js';
import { migrate } from '../db/migrate.js';

/**
 * Test helpers shared by every workspace. MySQL cases run when TEST_MYSQL_URL names a reachable
 * server (CI always sets it); otherwise they are skipped and say so once per file.
 */
export function testDialects(): DialectName[] {
  if (process.env.TEST_MYSQL_URL) return ['sqlite', 'mysql'];
  if (process.env.REQUIRE_MYSQL === '1') throw new Error('REQUIRE_MYSQL=1 but TEST_MYSQL_URL is not set');
  if (!warned) {
    warned = true;
    console.warn('MySQL tests SKIPPED: set TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run them.');
  }
  return ['sqlite'];
}
let warned = false;

export interface TestDatabase {
  dialect: DialectName;
  url: string;
  /** Drops the database (MySQL) or deletes the file (SQLite). */
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'video-test-'));
    return {
      dialect,
      url: `sqlite:${path.join(dir, 'video.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = process.env.TEST_MYSQL_URL;
  if (!base) throw new Error('TEST_MYSQL_URL is not set');
  const u = new URL(base);
  const name = `${u.pathname.replace(/^\//, '') || 'test'}_${suffix}`.slice(0, 64);
  const admin = await createConnection({ uri: base });
  await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`);
  await admin.end();
  u.pathname = `/${name}`;
  return {
    dialect,
    url: u.toString(),
    drop: async () => {
      const c = await createConnection({ uri: base });
      await c.query(`drop database if exists \`${name}\``);
      await c.end();
    },
  };
}

/** A migrated database plus its connection, for data-layer and service tests. */
export async function openTestDb(dialect: DialectName): Promise<{ db: Db; test: TestDatabase; close(): Promise<void> }> {
  const test = await createTestDatabase(dialect);
  const db = connectDatabase(test.url);
  await migrate(db);
  return {
    db,
    test,
    close: async () => {
      await db.close();
      await test.drop();
    },
  };
}

/** A config for tests: defaults, a throwaway video dir, quiet logs, cheap bcrypt. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const videoDir = mkdtempSync(path.join(os.tmpdir(), 'video-files-'));
  return loadConfig({
    env: {},
    file: null,
    overrides: { log_level: 'silent', bcrypt_cost: 4, video_dir: videoDir, ...overrides },
  });
}
export * from './redis.js';
export * from './media-fixtures.js';
export * from './envelope-collector.js';
