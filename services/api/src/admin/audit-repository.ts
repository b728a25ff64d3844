import type { Executor } from '@video/shared';

/** The actor id the command line (`npm run admin`) writes: no user has it (ids start at 1). */
export const CLI_ACTOR_ID = 0;

export type AuditAction = 'role' | 'ban' | 'unban' | 'takedown' | 'delete_comment' | 'delete_danmaku' | 'retry_task';

export interface AuditInput {
  actorId: number;
  action: AuditAction;
  targetType: 'user' | 'video' | 'comment' | 'danmaku' | 'task';
  targetId: string;
  detail?: Record<string, string>;
  now: number;
}

/** Appends one row; call inside the transaction of the action it records. Nothing edits or deletes these rows. */
export async function insertAudit(db: Executor, a: AuditInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_id: a.actorId,
      action: a.action,
      target_type: a.targetType,
      target_id: a.targetId.slice(0, 64),
      detail: JSON.stringify(a.detail ?? {}).slice(0, 2000),
      time: a.now,
    })
    .execute();
}

export interface AuditRow {
  id: number;
  actor_id: number;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string;
  detail: string;
  time: number;
}

/** Newest first (idx_audit_log_time). */
export async function listAudit(db: Executor, limit: number, offset: number): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .select(['a.id', 'a.actor_id', 'u.user_name as actor_name', 'a.action', 'a.target_type', 'a.target_id', 'a.detail', 'a.time'])
    .orderBy('a.time', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows as AuditRow[];
}
