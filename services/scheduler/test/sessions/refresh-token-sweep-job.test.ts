import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { createRefreshTokenSweepJob } from '../../src/sessions/refresh-token-sweep-job.js';
import { jobContext, seedUser } from '../helper.js';

describe.each(testDialects())('refresh-token sweep job (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
  });
  afterAll(async () => close?.());

  it('deletes expired refresh tokens in bounded statements and keeps live ones, used ones too', async () => {
    const userId = await seedUser(db);
    const now = Date.now();
    const row = (i: number, expiresAt: number, usedAt: number | null) => ({
      token_hash: i.toString(16).padStart(64, '0'),
      family_id: `fam-${i % 7}`,
      user_id: userId,
      create_time: now - 10_000,
      expires_at: expiresAt,
      used_at: usedAt,
      revoked_at: null,
    });
    const expired = Array.from({ length: 1203 }, (_, i) => row(i, now - 1 - i, i % 2 ? now - 5 : null));
    for (let i = 0; i < expired.length; i += 300) await db.kysely.insertInto('refresh_tokens').values(expired.slice(i, i + 300)).execute();
    await db.kysely.insertInto('refresh_tokens').values([row(5000, now + 60_000, null), row(5001, now + 60_000, now - 1)]).execute();
    const summary = await createRefreshTokenSweepJob(jobContext(db), () => now).run(new AbortController().signal);
    expect(summary).toEqual({ counts: { purged: 1203 } });
    const left = await db.kysely.selectFrom('refresh_tokens').select('token_hash').execute();
    expect(left.map((r) => r.token_hash).sort()).toEqual([row(5000, 0, null).token_hash, row(5001, 0, null).token_hash]);
  });
});
