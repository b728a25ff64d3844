import { sql, type Expression, type SqlBool } from 'kysely';
import { PROCESS_TASK, type Executor, type Role, type TaskState } from '@video/shared';
import type { AdminVideoState } from './admin-schemas.js';

/** `column` contains `q`, case-folded, with LIKE's wildcards in `q` taken literally (the same on both databases). */
function contains(column: string, q: string): Expression<SqlBool> {
  const pattern = `%${q.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '!'`;
}

export interface AdminUserRow {
  id: number;
  user_name: string;
  role: Role;
  banned_at: number | null;
  ban_reason: string | null;
  create_time: number;
  email: string | null;
}

const USER_COLUMNS = ['id', 'user_name', 'role', 'banned_at', 'ban_reason', 'create_time', 'email'] as const;

/** Accounts (not deleted) whose name contains `q`, oldest first. */
export async function listUsers(db: Executor, q: string | undefined, limit: number, offset: number): Promise<AdminUserRow[]> {
  let query = db.selectFrom('users').select(USER_COLUMNS).where('deleted_at', 'is', null);
  if (q) query = query.where(contains('user_name', q));
  return query.orderBy('id').limit(limit).offset(offset).execute();
}

export async function findUserRow(db: Executor, userName: string): Promise<AdminUserRow | undefined> {
  return db.selectFrom('users').select(USER_COLUMNS).where('user_name', '=', userName).where('deleted_at', 'is', null).executeTakeFirst();
}

export interface AdminVideoRow {
  id: string;
  name: string;
  author_id: number;
  author: string;
  author_banned_at: number | null;
  privacy: string;
  upload_state: string;
  size: number | null;
  views: number;
  create_time: number;
  hidden_at: number | null;
  task_state: TaskState | null;
}

const PROCESSING: TaskState[] = ['queued', 'running'];

/** Live videos (a banned author's too) by title part or exact id, and by state, newest first. */
export async function listVideos(db: Executor, f: { q?: string; state?: AdminVideoState }, limit: number, offset: number): Promise<AdminVideoRow[]> {
  let query = db
    .selectFrom('video_info as v')
    .innerJoin('users as u', 'u.id', 'v.author_id')
    .leftJoin('video_tasks as t', (j) => j.onRef('t.video_id', '=', 'v.id').on('t.kind', '=', PROCESS_TASK))
    .select(['v.id', 'v.name', 'v.author_id', 'u.user_name as author', 'u.banned_at as author_banned_at', 'v.privacy', 'v.upload_state'])
    .select(['v.size', 'v.views', 'v.create_time', 'v.hidden_at', 't.state as task_state'])
    .where('v.deleted_at', 'is', null);
  const q = f.q;
  if (q) query = query.where((eb) => eb.or([eb('v.id', '=', q), contains('v.name', q)]));
  if (f.state === 'hidden') query = query.where('v.hidden_at', 'is not', null);
  else if (f.state) query = query.where('v.hidden_at', 'is', null);
  if (f.state === 'uploading') query = query.where('v.upload_state', '=', 'pending');
  if (f.state === 'failed') query = query.where('t.state', '=', 'failed');
  if (f.state === 'processing') query = query.where('v.upload_state', '=', 'ready').where('t.state', 'in', PROCESSING);
  if (f.state === 'ready') {
    query = query.where('v.upload_state', '=', 'ready').where((eb) => eb.or([eb('t.state', 'is', null), eb('t.state', '=', 'done')]));
  }
  return (await query.orderBy('v.create_time', 'desc').orderBy('v.id', 'desc').limit(limit).offset(offset).execute()) as AdminVideoRow[];
}

/** The state a video row shows, by the same rules listVideos filters on. */
export function videoState(row: Pick<AdminVideoRow, 'hidden_at' | 'upload_state' | 'task_state'>): AdminVideoState {
  if (row.hidden_at !== null) return 'hidden';
  if (row.upload_state !== 'ready') return 'uploading';
  if (row.task_state === 'failed') return 'failed';
  if (row.task_state !== null && PROCESSING.includes(row.task_state)) return 'processing';
  return 'ready';
}

/** A user's live video ids, for the stream servers' caches (bounded: the row TTL covers the rest). */
export async function liveVideoIdsOf(db: Executor, userId: number, max: number): Promise<string[]> {
  const rows = await db.selectFrom('video_info').select('id').where('author_id', '=', userId).where('deleted_at', 'is', null).limit(max).execute();
  return rows.map((r) => r.id);
}

export interface AdminTaskRow {
  video_id: string;
  video_name: string;
  kind: string;
  state: TaskState;
  attempts: number;
  progress: number;
  last_error: string | null;
  next_attempt_at: number;
  updated_at: number;
}

/** Processing tasks of live videos, most recently changed first. */
export async function listTasks(db: Executor, state: TaskState | undefined, limit: number, offset: number): Promise<AdminTaskRow[]> {
  let query = db
    .selectFrom('video_tasks as t')
    .innerJoin('video_info as v', 'v.id', 't.video_id')
    .select(['t.video_id', 'v.name as video_name', 't.kind', 't.state', 't.attempts', 't.progress', 't.last_error', 't.next_attempt_at', 't.updated_at'])
    .where('v.deleted_at', 'is', null);
  if (state) query = query.where('t.state', '=', state);
  return query.orderBy('t.updated_at', 'desc').orderBy('t.video_id', 'desc').limit(limit).offset(offset).execute();
}

export interface Stats {
  users: number;
  videos: number;
  storage_bytes: number;
  views: number;
  open_reports: number;
  failed_tasks: number;
}

export async function siteStats(db: Executor): Promise<Stats> {
  const count = sql<number | string>`count(*)`;
  const [users, videos, reports, tasks] = await Promise.all([
    db.selectFrom('users').select(count.as('n')).where('deleted_at', 'is', null).executeTakeFirstOrThrow(),
    db
      .selectFrom('video_info')
      .select([count.as('n'), sql<number | string | null>`sum(size)`.as('bytes'), sql<number | string | null>`sum(views)`.as('views')])
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow(),
    db.selectFrom('reports').select(count.as('n')).where('state', '=', 'open').executeTakeFirstOrThrow(),
    db.selectFrom('video_tasks').select(count.as('n')).where('state', '=', 'failed').executeTakeFirstOrThrow(),
  ]);
  return {
    users: Number(users.n),
    videos: Number(videos.n),
    storage_bytes: Number(videos.bytes ?? 0),
    views: Number(videos.views ?? 0),
    open_reports: Number(reports.n),
    failed_tasks: Number(tasks.n),
  };
}
