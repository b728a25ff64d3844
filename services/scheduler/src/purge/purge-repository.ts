import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, DialectName, Executor } from '@video/shared';

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * A short READ COMMITTED transaction (SQLite ignores the level): InnoDB then locks only the rows
 * that match, not every row and gap it scans, so claims and purges by two instances do not
 * deadlock over records they merely read past. A deadlock that happens anyway is retried.
 */
export async function inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel('read committed').execute(fn);
    } catch (err) {
      if (attempt >= 4 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}

export interface ClaimedRecord {
  video_id: string;
  attempts: number;
}

export interface ClaimOptions {
  owner: string;
  now: number;
  /** The lease's end; unique per claim of one owner, as it also tells this claim's rows from earlier ones. */
  until: number;
  limit: number;
}

/**
 * Claims up to `limit` due records for `owner` until `until`: a record is due when its
 * back-off has passed and nobody holds a live lease on it (a dead instance's lease simply runs out).
 *
 * MySQL: SELECT … FOR UPDATE SKIP LOCKED in a short transaction, so concurrent instances each take
 * different rows without waiting for one another, then stamp them. SQLite: one UPDATE … WHERE id IN
 * (due subquery) that takes the write lock at once, so two processes on one file serialize instead
 * of both reading the same rows. Either way the rows are read back by owner and lease stamp.
 */
export async function claimDueRecords(db: Kysely<Database>, dialect: DialectName, o: ClaimOptions): Promise<ClaimedRecord[]> {
  const { until } = o;
  if (dialect === 'mysql') {
    return inTransaction(db, async (trx) => {
      const due = await trx
        .selectFrom('video_del_rec')
        .select(['video_id', 'attempts'])
        .where('next_attempt_at', '<=', o.now)
        .where('claimed_until', '<=', o.now)
        .orderBy('next_attempt_at')
        .limit(o.limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return [];
      await trx
        .updateTable('video_del_rec')
        .set({ claimed_by: o.owner, claimed_until: until })
        .where(
          'video_id',
          'in',
          due.map((r) => r.video_id),
        )
        .execute();
      return due;
    });
  }
  const r = await db
    .updateTable('video_del_rec')
    .set({ claimed_by: o.owner, claimed_until: until })
    .where('video_id', 'in', (eb) =>
      eb
        .selectFrom('video_del_rec')
        .select('video_id')
        .where('next_attempt_at', '<=', o.now)
        .where('claimed_until', '<=', o.now)
        .orderBy('next_attempt_at')
        .limit(o.limit),
    )
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return [];
  return db
    .selectFrom('video_del_rec')
    .select(['video_id', 'attempts'])
    .where('claimed_by', '=', o.owner)
    .where('claimed_until', '=', until)
    .execute();
}

/**
 * Removes the rows of videos whose files are gone, in one transaction: first locks the records
 * still held by `owner` (a lease that ran out and was taken over is left to its new holder), then
 * deletes comments, the other tables that reference the video, the video rows, and last the
 * records. On SQLite the lock is taken by re-stamping the lease, a write, so the transaction holds
 * the write lock before it reads; on MySQL SELECT … FOR UPDATE locks exactly those rows in one trip.
 * Returns the ids purged.
 */
export async function deletePurgedRows(
  db: Kysely<Database>,
  dialect: DialectName,
  ids: string[],
  o: { owner: string; now: number; leaseMs: number; extraTables: readonly string[] },
): Promise<string[]> {
  if (ids.length === 0) return [];
  return inTransaction(db, async (trx) => {
    const held = trx.selectFrom('video_del_rec').select('video_id').where('video_id', 'in', ids).where('claimed_by', '=', o.owner);
    let mine: string[];
    if (dialect === 'mysql') {
      mine = (await held.forUpdate().execute()).map((r) => r.video_id);
    } else {
      await trx
        .updateTable('video_del_rec')
        .set({ claimed_until: o.now + o.leaseMs })
        .where('video_id', 'in', ids)
        .where('claimed_by', '=', o.owner)
        .execute();
      mine = (await held.execute()).map((r) => r.video_id);
    }
    if (mine.length === 0) return [];
    await trx.deleteFrom('comments').where('video_id', 'in', mine).execute();
    for (const table of o.extraTables) {
      await sql`delete from ${sql.table(table)} where video_id in (${sql.join(mine)})`.execute(trx);
    }
    await trx.deleteFrom('video_info').where('id', 'in', mine).execute();
    await trx.deleteFrom('video_del_rec').where('video_id', 'in', mine).where('claimed_by', '=', o.owner).execute();
    return mine;
  });
}

/** Keeps a record whose file could not be removed: counts the attempt, backs off, says why, drops the claim. */
export async function markAttemptFailed(
  db: Executor,
  videoId: string,
  o: { owner: string; nextAttemptAt: number; error: string },
): Promise<void> {
  await db
    .updateTable('video_del_rec')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      next_attempt_at: o.nextAttemptAt,
      last_error: o.error.slice(0, 500),
      claimed_by: null,
      claimed_until: 0,
    }))
    .where('video_id', '=', videoId)
    .where('claimed_by', '=', o.owner)
    .execute();
}

/** Gives back claims (all of the owner's, or just `ids`) so another run or instance can take them at once. */
export async function releaseClaims(db: Executor, owner: string, ids?: string[]): Promise<number> {
  if (ids && ids.length === 0) return 0;
  let q = db.updateTable('video_del_rec').set({ claimed_by: null, claimed_until: 0 }).where('claimed_by', '=', owner);
  if (ids) q = q.where('video_id', 'in', ids);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Tables besides comments whose rows belong to one video and go with it. A fixed list: reading
 * information_schema on every run is costly on MySQL (and has crashed MariaDB 10.11 under
 * concurrent DDL). A migration that adds such a table adds it here. Partial uploads (`uploads`)
 * are left to the expired-uploads job, which removes their files with their rows.
 */
export const VIDEO_CHILD_TABLES = [
  ...['danmaku', 'video_tags', 'video_ratings', 'video_view_reports', 'video_views_daily', 'video_search'],
  ...['video_tasks', 'video_captions'],
  ...['favorites', 'playlist_items', 'watch_history', 'notifications'],
] as const;
