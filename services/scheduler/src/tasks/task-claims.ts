import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database, DialectName, Executor } from '@video/shared';
import { inTransaction } from '../purge/purge-repository.js';

/** One claimed task: the video, the queue generation it belongs to, the failures so far. */
export interface ClaimedTask {
  video_id: string;
  seq: number;
  attempts: number;
}

export interface ClaimTasksOptions {
  owner: string;
  now: number;
  /** The lease's end; unique per claim of one owner, as it tells this claim's rows from earlier ones. */
  until: number;
  limit: number;
}

/** Only tasks of videos that are still live are claimed, kept or installed. */
export function videoIsLive(eb: ExpressionBuilder<Database, 'video_tasks'>) {
  return eb.exists(
    eb
      .selectFrom('video_info')
      .select('video_info.id')
      .whereRef('video_info.id', '=', 'video_tasks.video_id')
      .where('video_info.deleted_at', 'is', null),
  );
}

/** Due tasks of `kind`: queued (or a dead run's, its lease over), back-off passed, nobody's live lease, a live video. */
function dueTasksOf(db: Executor, kind: string, now: number, limit: number) {
  return db
    .selectFrom('video_tasks')
    .select(['video_id', 'seq', 'attempts'])
    .where('kind', '=', kind)
    .where('state', 'in', ['queued', 'running'])
    .where('next_attempt_at', '<=', now)
    .where('claimed_until', '<=', now)
    .where(videoIsLive)
    .orderBy('next_attempt_at')
    .limit(limit);
}

const toTask = (r: { video_id: string; seq: number | string; attempts: number | string }): ClaimedTask => ({
  video_id: r.video_id,
  seq: Number(r.seq),
  attempts: Number(r.attempts),
});

/**
 * Claims up to `limit` due tasks of `kind` for `owner`, as purge records are claimed: on MySQL
 * SELECT … FOR UPDATE SKIP LOCKED in a short READ COMMITTED transaction, then the stamp; on SQLite
 * one UPDATE whose WHERE re-reads the due rows, taking the write lock first. The claimed rows are
 * running; `extra` is written with the stamp (the media job resets progress).
 */
export async function claimTasksOf(
  db: Kysely<Database>,
  dialect: DialectName,
  kind: string,
  o: ClaimTasksOptions,
  extra: { progress?: number } = {},
): Promise<ClaimedTask[]> {
  if (o.limit <= 0) return [];
  const stamp = { state: 'running' as const, claimed_by: o.owner, claimed_until: o.until, updated_at: o.now, ...extra };
  if (dialect === 'mysql') {
    return inTransaction(db, async (trx) => {
      const due = await dueTasksOf(trx, kind, o.now, o.limit).forUpdate().skipLocked().execute();
      if (due.length === 0) return [];
      const ids = due.map((r) => r.video_id);
      await trx.updateTable('video_tasks').set(stamp).where('kind', '=', kind).where('video_id', 'in', ids).execute();
      return due.map(toTask);
    });
  }
  const r = await db
    .updateTable('video_tasks')
    .set(stamp)
    .where('kind', '=', kind)
    .where('video_id', 'in', () => dueTasksOf(db, kind, o.now, o.limit).clearSelect().select('video_id'))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return [];
  const rows = await db
    .selectFrom('video_tasks')
    .select(['video_id', 'seq', 'attempts'])
    .where('kind', '=', kind)
    .where('claimed_by', '=', o.owner)
    .where('claimed_until', '=', o.until)
    .execute();
  return rows.map(toTask);
}
