import type { ColumnType, Generated } from 'kysely';

/** The account and moderation tables (migration 015). */
export type Role = 'user' | 'moderator' | 'admin';
export type CommentsPolicy = 'open' | 'approval' | 'closed';
export type CommentState = 'visible' | 'pending';
export type ReportTarget = 'video' | 'comment' | 'danmaku' | 'user';
export type ReportReason = 'spam' | 'sexual' | 'violent' | 'hateful' | 'copyright' | 'privacy' | 'other';
export type ReportState = 'open' | 'resolved' | 'dismissed';

export const ROLES: readonly Role[] = ['user', 'moderator', 'admin'];
export const REPORT_REASONS: readonly ReportReason[] = ['spam', 'sexual', 'violent', 'hateful', 'copyright', 'privacy', 'other'];

/** One-time links sent by mail; only the SHA-256 of the token is stored. */
export interface MailTokensTable {
  token_hash: string;
  user_id: number;
  kind: 'verify' | 'reset';
  email: string;
  create_time: number;
  expires_at: number;
  used_at: number | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  user_id: number;
  create_time: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface IdentitiesTable {
  provider: string;
  subject: string;
  user_id: number;
  create_time: number;
}

export interface PhoneCodesTable {
  id: string;
  phone: string;
  code_hash: string;
  address: string;
  create_time: number;
  expires_at: number;
  attempts: ColumnType<number, number | undefined, number>;
  used_at: number | null;
}

export interface ReportsTable {
  id: string;
  reporter_id: number;
  target_type: ReportTarget;
  target_id: string;
  video_id: string | null;
  reason: ReportReason;
  note: ColumnType<string, string | undefined, string>;
  state: ColumnType<ReportState, ReportState | undefined, ReportState>;
  open_flag: number | null;
  create_time: number;
  decided_by: number | null;
  decided_at: number | null;
  decision_note: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor_id: number;
  action: string;
  target_type: string;
  target_id: string;
  detail: ColumnType<string, string | undefined, never>;
  time: number;
}
