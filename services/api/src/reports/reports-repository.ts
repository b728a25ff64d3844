import { sql } from 'kysely';
import { keysetPage, type Executor, type PageQuery, type ReportState, type ReportTarget, type ReportsTable } from '@video/shared';
import type { Insertable, Selectable } from 'kysely';

export type ReportRow = Selectable<ReportsTable>;
export type ReportListRow = ReportRow & { reporter: string; decider: string | null };

export async function insertReport(db: Executor, row: Insertable<ReportsTable>): Promise<void> {
  await db.insertInto('reports').values(row).execute();
}

/** Distinct users with an open report on the video itself (reports on its comments or danmaku do not count). */
export async function openVideoReporters(db: Executor, videoId: string): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select(sql<number | string>`count(distinct reporter_id)`.as('n'))
    .where('target_type', '=', 'video')
    .where('target_id', '=', videoId)
    .where('open_flag', '=', 1)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Open reports on the video itself. */
export async function openVideoReports(db: Executor, videoId: string): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('target_type', '=', 'video')
    .where('target_id', '=', videoId)
    .where('open_flag', '=', 1)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Hides a live video from feeds and search; false when it was hidden already (or is gone). */
export async function hideVideo(db: Executor, videoId: string, now: number): Promise<boolean> {
  const r = await db.updateTable('video_info').set({ hidden_at: now }).where('id', '=', videoId).where('hidden_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function unhideVideo(db: Executor, videoId: string): Promise<boolean> {
  const r = await db.updateTable('video_info').set({ hidden_at: null }).where('id', '=', videoId).where('hidden_at', 'is not', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function findReport(db: Executor, id: string): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface Decision {
  state: Exclude<ReportState, 'open'>;
  by: number;
  at: number;
  note: string;
}

/** Decides an open report; false when it is no longer open. */
export async function decideReport(db: Executor, id: string, d: Decision): Promise<boolean> {
  const r = await db
    .updateTable('reports')
    .set({ state: d.state, open_flag: null, decided_by: d.by, decided_at: d.at, decision_note: d.note })
    .where('id', '=', id)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertAudit(db: Executor, row: { actor_id: number; action: string; target_type: string; target_id: string; detail: string; time: number }): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

/** One page of the reports in a state, newest first (idx_reports_state), with the reporter's and the decider's names. */
export async function listReports(db: Executor, state: ReportState, page: PageQuery): Promise<ReportListRow[]> {
  return keysetPage(selectReports(db).where('r.state', '=', state), 'r.create_time', 'r.id', page).execute();
}

export async function findReportWithNames(db: Executor, id: string): Promise<ReportListRow | undefined> {
  return selectReports(db).where('r.id', '=', id).executeTakeFirst();
}

function selectReports(db: Executor) {
  return db
    .selectFrom('reports as r')
    .selectAll('r')
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'r.reporter_id').$asScalar().$notNull().as('reporter'))
    .select((eb) => eb.selectFrom('users as d').select('d.user_name').whereRef('d.id', '=', 'r.decided_by').$asScalar().as('decider'));
}

/** Open reports per target, for the targets given. */
export async function openCounts(db: Executor, targets: { type: ReportTarget; id: string }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (targets.length === 0) return out;
  const rows = await db
    .selectFrom('reports')
    .select(['target_type', 'target_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('open_flag', '=', 1)
    .where((eb) => eb.or(targets.map((t) => eb.and([eb('target_type', '=', t.type), eb('target_id', '=', t.id)]))))
    .groupBy(['target_type', 'target_id'])
    .execute();
  for (const r of rows) out.set(`${r.target_type}:${r.target_id}`, Number(r.n));
  return out;
}

/** A video's newest danmaku with their ids and authors' names. */
export async function listRecentDanmaku(db: Executor, videoId: string, limit: number) {
  return db
    .selectFrom('danmaku as d')
    .leftJoin('users as u', 'u.id', 'd.author_id')
    .select(['d.id', 'd.time', 'd.text', 'd.create_time', 'u.user_name'])
    .where('d.video_id', '=', videoId)
    .orderBy('d.create_time', 'desc')
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
}
