import { Type, type Static } from '@sinclair/typebox';
import { NextCursorSchema, Nullable } from '../http/common-schemas.js';

export const VideoParamsSchema = Type.Object({ username: Type.String(), vid: Type.String() });

const PrivacySchema = Type.Unsafe<'public' | 'unlisted' | 'private'>({ type: 'string', enum: ['public', 'unlisted', 'private'] });
const CommentsPolicySchema = Type.Unsafe<'open' | 'approval' | 'closed'>({
  type: 'string',
  enum: ['open', 'approval', 'closed'],
  description: "open; approval: others' new comments wait for the owner's approval; closed: only the owner may comment",
});
const meta = {
  description: Type.Optional(Type.String({ maxLength: 20_000, description: '0–5,000 characters, stored trimmed' })),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100, description: '0–10 tags of 1–32 characters; case-insensitive duplicates dropped' })),
  privacy: Type.Optional(PrivacySchema),
};

export const NewVideoSchema = Type.Object({
  name: Type.String({ maxLength: 1024, description: '1–256 characters after trimming' }),
  ...meta,
});
export type NewVideoBody = Static<typeof NewVideoSchema>;

export const VideoPatchSchema = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 1024, description: '1–256 characters after trimming' })), ...meta, comments_policy: Type.Optional(CommentsPolicySchema) },
  { minProperties: 1 },
);
export type VideoPatchBody = Static<typeof VideoPatchSchema>;

export const ProcessingSchema = Type.Object(
  {
    state: Type.Unsafe<'queued' | 'running' | 'done' | 'failed'>({ type: 'string', enum: ['queued', 'running', 'done', 'failed'] }),
    progress: Type.Integer({ minimum: 0, maximum: 100, description: 'percent; 100 when done' }),
    error: Nullable(Type.String({ description: 'why it failed (state failed only)' })),
  },
  { additionalProperties: false, description: "the media pipeline's state for the current file; null before any file" },
);

export const VideoIdParamsSchema = Type.Object({ vid: Type.String() });

export const VideoInfoSchema = Type.Object(
  {
    id: Type.String(),
    author_id: Type.Integer(),
    name: Type.String(),
    display_ctime: Type.String({ description: 'like `Jan 02 2006, 15:04:05` (UTC)' }),
    create_time: Type.String({ format: 'date-time' }),
    upload_state: Type.Unsafe<'pending' | 'ready'>({ type: 'string', enum: ['pending', 'ready'] }),
    size: Nullable(Type.Integer()),
    content_type: Nullable(Type.String()),
    author: Type.String({ description: "the owner's user_name" }),
    description: Type.String(),
    tags: Type.Array(Type.String()),
    privacy: PrivacySchema,
    duration: Nullable(Type.Number({ description: 'seconds' })),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    poster: Nullable(Type.String()),
    views: Type.Integer(),
    likes: Type.Integer(),
    dislikes: Type.Integer(),
    comments_count: Type.Integer(),
    processing: Nullable(ProcessingSchema),
    comments_policy: CommentsPolicySchema,
    hidden: Type.Boolean({ description: 'hidden from feeds and search after reports, until a moderator decides; still reachable by its URL' }),
  },
);
export type VideoInfo = Static<typeof VideoInfoSchema>;

export const VideoListSchema = Type.Object({ videos: Type.Array(VideoInfoSchema), next_cursor: NextCursorSchema });
