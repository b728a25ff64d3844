import { v7 as uuidv7 } from 'uuid';
import { badRequest, conflict, decodeCursor, isUniqueViolation, isVideoId, notFound, toIso, transactionWithRetry, type Db, type ReportState, type SessionUser } from '@video/shared';
import { lockVideoRow } from '../comments/comments-repository.js';
import { fetchPage, type Page } from '../http/pagination.js';
import {
  decideReport,
  findReport,
  findReportWithNames,
  hideVideo,
  insertAudit,
  insertReport,
  listReports,
  openCounts,
  openVideoReporters,
  openVideoReports,
  unhideVideo,
  type ReportListRow,
  type ReportRow,
} from './reports-repository.js';
import type { AdminReportJson, NewReportBody, ReportJson } from './reports-schemas.js';
import { resolveTarget, summarize, type ResolvedTarget } from './reports-targets.js';

export const MAX_NOTE = 1000;
const CURSOR_KIND = 'reports';

/** An optional note: trimmed, at most 1000 characters, empty when absent. */
export function noteText(field: string, raw: string | undefined): string {
  const text = (raw ?? '').trim();
  if ([...text].length > MAX_NOTE) throw badRequest(`body.${field} must be at most ${MAX_NOTE} characters`);
  return text;
}

function reportJson(r: ReportRow, publicId: string): ReportJson {
  return {
    id: r.id,
    target: r.target_type,
    target_id: publicId,
    video_id: r.video_id,
    reason: r.reason,
    note: r.note,
    state: r.state,
    create_time: toIso(Number(r.create_time)),
  };
}

export interface ReportsServiceOptions {
  /** Distinct reporters of open reports that hide a video (config auto_hide_reports). */
  autoHide: number;
}

/** A page of reports as moderators see them. */
async function adminJson(db: Db, rows: ReportListRow[]): Promise<AdminReportJson[]> {
  const [summaries, counts] = await Promise.all([
    summarize(db.kysely, rows),
    openCounts(db.kysely, rows.map((r) => ({ type: r.target_type, id: r.target_id }))),
  ]);
  return rows.map((r) => {
    const key = `${r.target_type}:${r.target_id}`;
    const s = summaries.get(key);
    return {
      ...reportJson(r, s?.publicId ?? r.target_id),
      reporter: r.reporter,
      summary: s?.summary ?? null,
      target_open_reports: counts.get(key) ?? 0,
      video_hidden: s?.videoHidden ?? false,
      decided_by: r.decider ?? null,
      decided_at: r.decided_at === null ? null : toIso(Number(r.decided_at)),
      decision_note: r.decision_note,
    };
  });
}

function newReportRow(reporter: SessionUser, target: ResolvedTarget, body: NewReportBody, note: string, now: number): ReportRow {
  return {
    id: uuidv7(),
    reporter_id: reporter.user_id,
    target_type: target.type,
    target_id: target.storedId,
    video_id: target.videoId,
    reason: body.reason,
    note,
    state: 'open',
    open_flag: 1,
    create_time: now,
    decided_by: null,
    decided_at: null,
    decision_note: null,
  };
}

/**
 * Files a report. A report on a video takes the video's row lock first, so concurrent reports
 * count each other and exactly one of them crosses the auto-hide threshold (and writes its audit row).
 */
async function fileReport(db: Db, autoHide: number, reporter: SessionUser, body: NewReportBody): Promise<ReportJson> {
  const note = noteText('note', body.note);
  const target = await resolveTarget(db.kysely, reporter, body.target, body.id);
  const now = Date.now();
  const row = newReportRow(reporter, target, body, note, now);
  try {
    await transactionWithRetry(db, async (trx) => {
      if (target.type === 'video') await lockVideoRow(trx, target.storedId);
      await insertReport(trx, row);
      if (target.type !== 'video' || (await openVideoReporters(trx, target.storedId)) < autoHide) return;
      if (await hideVideo(trx, target.storedId, now)) {
        const detail = JSON.stringify({ report: row.id, reporters: autoHide });
        await insertAudit(trx, { actor_id: reporter.user_id, action: 'video.auto_hide', target_type: 'video', target_id: target.storedId, detail, time: now });
      }
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('you have already reported this, and your report is still open');
    throw err;
  }
  return reportJson(row, target.publicId);
}

/**
 * Decides an open report, with its audit row, in one transaction under the video's row lock
 * (the order report creation takes too). Dismissing the last open report on a hidden video
 * brings it back; resolving leaves it as the moderator left it.
 */
async function decide(db: Db, moderator: SessionUser, id: string, state: 'resolved' | 'dismissed', rawNote: string | undefined): Promise<AdminReportJson> {
  const note = noteText('note', rawNote);
  const report = isVideoId(id) ? await findReport(db.kysely, id.toLowerCase()) : undefined;
  if (!report) throw notFound('no such report');
  const now = Date.now();
  await transactionWithRetry(db, async (trx) => {
    const video = report.target_type === 'video' ? report.target_id : null;
    if (video) await lockVideoRow(trx, video);
    if (!(await decideReport(trx, report.id, { state, by: moderator.user_id, at: now, note }))) throw conflict('this report was decided already');
    const unhidden = video !== null && state === 'dismissed' && (await openVideoReports(trx, video)) === 0 && (await unhideVideo(trx, video));
    const detail = JSON.stringify({ target: report.target_type, id: report.target_id, note, ...(unhidden ? { unhidden: true } : {}) }).slice(0, 2000);
    const action = state === 'resolved' ? 'report.resolve' : 'report.dismiss';
    await insertAudit(trx, { actor_id: moderator.user_id, action, target_type: 'report', target_id: report.id, detail, time: now });
  });
  const decided = await findReportWithNames(db.kysely, report.id);
  if (!decided) throw notFound('no such report');
  return (await adminJson(db, [decided]))[0]!;
}

export function createReportsService(db: Db, { autoHide }: ReportsServiceOptions) {
  return {
    create: (reporter: SessionUser, body: NewReportBody) => fileReport(db, autoHide, reporter, body),

    async list(state: ReportState, q: { limit: number; cursor?: string | undefined }): Promise<Page<AdminReportJson>> {
      const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor, CURSOR_KIND);
      const key = (r: ReportListRow) => ({ time: Number(r.create_time), id: r.id });
      const page = await fetchPage({ limit: q.limit, ...(before ? { before } : {}) }, (p) => listReports(db.kysely, state, p), key, CURSOR_KIND);
      return { items: await adminJson(db, page.items), next_cursor: page.next_cursor };
    },

    decide: (moderator: SessionUser, id: string, state: 'resolved' | 'dismissed', note: string | undefined) => decide(db, moderator, id, state, note),
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
