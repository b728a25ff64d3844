import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../http/common-schemas.js';

const RoleSchema = Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]);
const ReasonSchema = Type.String({ minLength: 1, maxLength: 500 });

/** Offset pages: admin lists are short reads by few people, so a plain offset (bounded) is enough. */
export const OffsetQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 }),
});
export type OffsetQuery = Static<typeof OffsetQuerySchema>;
const NextOffsetSchema = Nullable(Type.Integer({ description: 'pass back as ?offset= for the next page; null on the last' }));

export const UsersQuerySchema = Type.Composite([
  OffsetQuerySchema,
  Type.Object({ q: Type.Optional(Type.String({ maxLength: 64, description: 'part of the user name' })) }),
]);

export const AdminUserSchema = Type.Object({
  id: Type.Integer(),
  user_name: Type.String(),
  role: RoleSchema,
  banned: Type.Boolean(),
  banned_at: Nullable(Type.String({ description: 'ISO 8601' })),
  ban_reason: Nullable(Type.String()),
  create_time: Type.String(),
  email: Type.Optional(Nullable(Type.String({ description: 'shown to admins only' }))),
});
export type AdminUserJson = Static<typeof AdminUserSchema>;
export const AdminUserListSchema = Type.Object({ users: Type.Array(AdminUserSchema), next_offset: NextOffsetSchema });

export const UserNameParamsSchema = Type.Object({ name: Type.String({ maxLength: 200 }) });
export const UpdateUserSchema = Type.Object(
  { role: Type.Optional(RoleSchema), banned: Type.Optional(Type.Boolean()), reason: Type.Optional(ReasonSchema) },
  { additionalProperties: false },
);
export type UpdateUser = Static<typeof UpdateUserSchema>;

export const VIDEO_STATES = ['uploading', 'processing', 'ready', 'failed', 'hidden'] as const;
export type AdminVideoState = (typeof VIDEO_STATES)[number];
export const VideosQuerySchema = Type.Composite([
  OffsetQuerySchema,
  Type.Object({
    q: Type.Optional(Type.String({ maxLength: 256, description: 'part of the title, or a video id' })),
    state: Type.Optional(Type.Union(VIDEO_STATES.map((s) => Type.Literal(s)))),
  }),
]);
export const AdminVideoSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  author_id: Type.Integer(),
  author: Type.String(),
  author_banned: Type.Boolean(),
  privacy: Type.String(),
  state: Type.Union(VIDEO_STATES.map((s) => Type.Literal(s))),
  size: Nullable(Type.Integer()),
  views: Type.Integer(),
  create_time: Type.String(),
  hidden_at: Nullable(Type.String()),
});
export type AdminVideoJson = Static<typeof AdminVideoSchema>;
export const AdminVideoListSchema = Type.Object({ videos: Type.Array(AdminVideoSchema), next_offset: NextOffsetSchema });

export const VideoParamsSchema = Type.Object({ vid: Type.String({ maxLength: 64 }) });
export const TakedownSchema = Type.Object({ reason: ReasonSchema }, { additionalProperties: false });
export const CommentParamsSchema = Type.Object({ cid: Type.String({ maxLength: 64 }) });
export const DanmakuParamsSchema = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const TASK_STATES = ['queued', 'running', 'done', 'failed'] as const;
export const TasksQuerySchema = Type.Composite([
  OffsetQuerySchema,
  Type.Object({ state: Type.Optional(Type.Union(TASK_STATES.map((s) => Type.Literal(s)))) }),
]);
export const AdminTaskSchema = Type.Object({
  id: Type.String({ description: 'the video id (one processing task per video)' }),
  video_name: Type.String(),
  kind: Type.String(),
  state: Type.Union(TASK_STATES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  progress: Type.Integer(),
  last_error: Nullable(Type.String()),
  next_attempt_at: Type.String(),
  updated_at: Type.String(),
});
export type AdminTaskJson = Static<typeof AdminTaskSchema>;
export const AdminTaskListSchema = Type.Object({ tasks: Type.Array(AdminTaskSchema), next_offset: NextOffsetSchema });
export const TaskParamsSchema = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const StatsSchema = Type.Object({
  users: Type.Integer(),
  videos: Type.Integer(),
  storage_bytes: Type.Integer(),
  views: Type.Integer(),
  open_reports: Type.Integer(),
  failed_tasks: Type.Integer(),
});

export const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  actor: Nullable(Type.Object({ id: Type.Integer(), user_name: Type.String() }, { description: 'null: the command line (npm run admin)' })),
  action: Type.String({ description: 'role | ban | unban | takedown | delete_comment | delete_danmaku | retry_task' }),
  target_type: Type.String(),
  target_id: Type.String(),
  detail: Type.Record(Type.String(), Type.String()),
  time: Type.String(),
});
export type AuditEntryJson = Static<typeof AuditEntrySchema>;
export const AuditListSchema = Type.Object({ entries: Type.Array(AuditEntrySchema), next_offset: NextOffsetSchema });
export const AuditQuerySchema = OffsetQuerySchema;
