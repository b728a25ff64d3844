import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSession, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { createSessionSweepJob } from '../../src/sessions/session-sweep-job.js';
import { count, jobContext, seedUser } from '../helper.js';

describe.each(testDialects())('session sweep job (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
  });
  afterAll(async () => close?.());

  it('deletes every expired session, in bounded statements, and keeps the live ones', async () => {
    const userId = await seedUser(db);
    const now = Date.now();
    const expired = Array.from({ length: 1205 }, (_, i) => ({ id: `expired-${i}`, user_id: userId, create_time: now - 10_000, expires_at: now - 1 - i }));
    for (let i = 0; i < expired.length; i += 300) await db.kysely.insertInto('sessions').values(expired.slice(i, i + 300)).execute();
    await insertSession(db.kysely, { id: 'live', user_id: userId, create_time: now, expires_at: now + 60_000 });
    const summary = await createSessionSweepJob(jobContext(db), () => now).run(new AbortController().signal);
    expect(summary).toEqual({ counts: { purged: 1205 } });
    expect(await count(db, 'sessions')).toBe(1);
  });
});
