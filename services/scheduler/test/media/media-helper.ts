import { afterAll, beforeAll, beforeEach } from 'vitest';
import { queueProcessing, type Db, type DialectName } from '@video/shared';
import { openTestDb } from '@video/shared/testing';
import { seedUser, seedVideos } from '../helper.js';

export { MediaError } from '../../src/media/pipeline/index.js';
export { fakeProcessor } from './fake-pipeline.js';

/** Live videos with a file and a queued processing task; returns their ids. */
export async function seedQueued(db: Db, o: { authorId: number; videoDir: string; count: number; prefix: string }): Promise<string[]> {
  const ids = await seedVideos(db, { ...o, deleted: false, queued: false });
  for (const id of ids) await queueProcessing(db.kysely, id, Date.now());
  return ids;
}

export async function taskRow(db: Db, id: string) {
  return db.kysely.selectFrom('video_tasks').selectAll().where('video_id', '=', id).executeTakeFirstOrThrow();
}

export async function videoRow(db: Db, id: string) {
  return db.kysely.selectFrom('video_info').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Waits (bounded) until the job has no run in progress. */
export async function idle(job: { active(): number }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (job.active() > 0) {
    if (Date.now() > deadline) throw new Error('media runs still going');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One test database for a suite of media job tests (a user to own its videos, no tasks left
 * from the test before); the jobs pushed on `jobs` are closed at the end.
 */
export function useMediaDb(dialect: DialectName): { db: Db; authorId: number; jobs: { close?(): Promise<void> }[] } {
  const suite = { db: undefined as unknown as Db, authorId: 0, jobs: [] as { close?(): Promise<void> }[] };
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await openTestDb(dialect);
    suite.db = opened.db;
    close = opened.close;
    suite.authorId = await seedUser(suite.db);
  });
  afterAll(async () => {
    for (const j of suite.jobs) await j.close?.();
    await close?.();
  });
  beforeEach(async () => {
    await suite.db.kysely.deleteFrom('video_tasks').execute();
  });
  return suite;
}
