import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { insertUser, type Config, type Db } from '@video/shared';
import { testConfig } from '@video/shared/testing';
import { buildApp, type AppDeps } from '../src/app.js';
import type { JobContext } from '../src/jobs/job.js';

/** The internal token the test apps are configured with. */
export const TEST_TOKEN = 'scheduler-test-token-0123456789';

/** The scheduler app on a test database (configured with TEST_TOKEN), jobs off unless asked for. */
export async function buildTestApp(db: Db, overrides: Partial<Config> = {}, deps: AppDeps = {}) {
  const config = testConfig({ scheduler_interval_seconds: 1, internal_token: TEST_TOKEN, ...overrides });
  const app = await buildApp(config, { db, logger: false, startJobs: false, ...deps });
  await app.ready();
  return { app, config };
}

/** A silent job context. */
export function jobContext(db: Db, overrides: Partial<Config> = {}): JobContext {
  const config = testConfig({ scheduler_interval_seconds: 1, ...overrides });
  const noop = () => undefined;
  const log = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop, silent: noop, level: 'silent', child: () => log } as unknown as JobContext['log'];
  return { db, log, config };
}

let userSeq = 0;

/** A user to own test videos. */
export async function seedUser(db: Db): Promise<number> {
  return insertUser(db.kysely, { user_name: `owner${++userSeq}_${Date.now()}`, pwd_hash: 'x', create_time: Date.now() });
}

export interface SeedOptions {
  authorId: number;
  videoDir: string;
  count: number;
  prefix?: string;
  deleted?: boolean;
  queued?: boolean;
  comments?: number;
}

/** Videos with small files (soft-deleted and queued by default); returns their ids. */
export async function seedVideos(db: Db, o: SeedOptions): Promise<string[]> {
  mkdirSync(o.videoDir, { recursive: true });
  const now = Date.now();
  const ids = Array.from({ length: o.count }, (_, i) => `${o.prefix ?? 'v'}${String(i).padStart(6, '0')}`);
  const deleted = o.deleted ?? true;
  for (let i = 0; i < ids.length; i += 200) {
    const slice = ids.slice(i, i + 200);
    await db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('video_info')
        .values(
          slice.map((id) => ({
            id,
            author_id: o.authorId,
            name: id,
            display_ctime: 'Jan 02 2006, 15:04:05',
            create_time: now,
            deleted_at: deleted ? now : null,
            upload_state: 'ready' as const,
            size: 4,
            content_type: 'video/mp4',
            updated_at: now,
          })),
        )
        .execute();
      if (o.comments) {
        await trx
          .insertInto('comments')
          .values(
            slice.flatMap((id) =>
              Array.from({ length: o.comments ?? 0 }, (_, c) => ({ id: `${id}-c${c}`, video_id: id, author_id: o.authorId, content: 'hi', time: now })),
            ),
          )
          .execute();
      }
      if (o.queued ?? deleted) {
        await trx
          .insertInto('video_del_rec')
          .values(slice.map((id) => ({ video_id: id, create_time: now, claimed_by: null, claimed_until: 0, attempts: 0, next_attempt_at: 0 })))
          .execute();
      }
    });
  }
  for (const id of ids) writeFileSync(path.join(o.videoDir, id), 'data');
  return ids;
}

/** Polls until `check` is true, at most `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export async function count(db: Db, table: 'video_info' | 'comments' | 'video_del_rec' | 'sessions'): Promise<number> {
  const r = await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export type { FastifyInstance };
