import { Type, type Static } from '@sinclair/typebox';
import { REPORT_REASONS } from '@video/shared';
import { NextCursorSchema, Nullable } from '../http/common-schemas.js';

const TARGETS = ['video', 'comment', 'danmaku', 'user'] as const;
const STATES = ['open', 'resolved', 'dismissed'] as const;

export const ReportTargetSchema = Type.Unsafe<(typeof TARGETS)[number]>({ type: 'string', enum: [...TARGETS] });
export const ReportReasonSchema = Type.Unsafe<(typeof REPORT_REASONS)[number]>({ type: 'string', enum: [...REPORT_REASONS] });
export const ReportStateSchema = Type.Unsafe<(typeof STATES)[number]>({ type: 'string', enum: [...STATES] });

export const NewReportSchema = Type.Object({
  target: ReportTargetSchema,
  id: Type.String({ maxLength: 256, description: "the user's name for `user`, else the video's, comment's or danmaku's id" }),
  reason: ReportReasonSchema,
  note: Type.Optional(Type.String({ maxLength: 8192, description: '0–1000 characters, stored trimmed' })),
});
export type NewReportBody = Static<typeof NewReportSchema>;

export const ReportSchema = Type.Object({
  id: Type.String(),
  target: ReportTargetSchema,
  target_id: Type.String({ description: "the user's name for `user`, else the item's id" }),
  video_id: Nullable(Type.String({ description: 'the video the target belongs to; null for a user' })),
  reason: ReportReasonSchema,
  note: Type.String(),
  state: ReportStateSchema,
  create_time: Type.String({ format: 'date-time' }),
});
export type ReportJson = Static<typeof ReportSchema>;

export const AdminReportSchema = Type.Object({
  ...ReportSchema.properties,
  reporter: Type.String({ description: "the reporter's user name" }),
  summary: Nullable(Type.String({ description: "the video's name, the comment's or danmaku's text (the first 200 characters), the user's name; null when gone" })),
  target_open_reports: Type.Integer({ description: 'open reports on the same target' }),
  video_hidden: Type.Boolean({ description: 'the video the target belongs to is hidden from feeds and search' }),
  decided_by: Nullable(Type.String()),
  decided_at: Nullable(Type.String({ format: 'date-time' })),
  decision_note: Nullable(Type.String()),
});
export type AdminReportJson = Static<typeof AdminReportSchema>;

export const AdminReportListSchema = Type.Object({ reports: Type.Array(AdminReportSchema), next_cursor: NextCursorSchema });

export const AdminReportsQuerySchema = Type.Object({
  state: Type.Optional(ReportStateSchema),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
});

export const ReportParamsSchema = Type.Object({ id: Type.String() });

export const DecisionSchema = Type.Object({
  state: Type.Unsafe<'resolved' | 'dismissed'>({ type: 'string', enum: ['resolved', 'dismissed'] }),
  note: Type.Optional(Type.String({ maxLength: 8192, description: '0–1000 characters, stored trimmed' })),
});
