import { toIso, type Role } from '@video/shared';
import { requireSafeIntegers } from '../http/pagination.js';
import type { AdminTaskRow, AdminUserRow, AdminVideoRow } from './admin-repository.js';
import type { AdminTaskJson, AdminUserJson, AdminVideoJson, AuditEntryJson } from './admin-schemas.js';
import type { AuditRow } from './audit-repository.js';

const isoOrNull = (ms: number | null) => (ms === null ? null : toIso(Number(ms)));

/** Email addresses are shown to admins only: a moderator's work needs names, not contact details. */
export function adminUserJson(row: AdminUserRow, viewerRole: Role): AdminUserJson {
  return {
    id: Number(row.id),
    user_name: row.user_name,
    role: row.role,
    banned: row.banned_at !== null,
    banned_at: isoOrNull(row.banned_at),
    ban_reason: row.ban_reason,
    create_time: toIso(Number(row.create_time)),
    ...(viewerRole === 'admin' ? { email: row.email } : {}),
  };
}

export function adminVideoJson(row: AdminVideoRow, state: AdminVideoJson['state']): AdminVideoJson {
  return {
    id: row.id,
    name: row.name,
    author_id: Number(row.author_id),
    author: row.author,
    author_banned: row.author_banned_at !== null,
    privacy: row.privacy,
    state,
    size: row.size === null ? null : Number(row.size),
    views: Number(row.views),
    create_time: toIso(Number(row.create_time)),
    hidden_at: isoOrNull(row.hidden_at),
  };
}

export function adminTaskJson(row: AdminTaskRow): AdminTaskJson {
  return {
    id: row.video_id,
    video_name: row.video_name,
    kind: row.kind,
    state: row.state,
    attempts: Number(row.attempts),
    progress: Number(row.progress),
    last_error: row.last_error,
    next_attempt_at: toIso(Number(row.next_attempt_at)),
    updated_at: toIso(Number(row.updated_at)),
  };
}

function parseDetail(text: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  } catch {
    return {};
  }
}

export function auditEntryJson(row: AuditRow): AuditEntryJson {
  return {
    id: Number(row.id),
    actor: row.actor_name === null ? null : { id: Number(row.actor_id), user_name: row.actor_name },
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    detail: parseDetail(row.detail),
    time: toIso(Number(row.time)),
  };
}

/** Fetches limit + 1 rows, so next_offset is null exactly on the last page. */
export async function offsetPage<T>(q: { limit: number; offset: number }, fetch: (limit: number, offset: number) => Promise<T[]>) {
  requireSafeIntegers(q, ['limit', 'offset']);
  const rows = await fetch(q.limit + 1, q.offset);
  return { items: rows.slice(0, q.limit), next_offset: rows.length > q.limit ? q.offset + q.limit : null };
}
