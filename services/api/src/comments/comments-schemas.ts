import { Type, type Static } from '@sinclair/typebox';
import { ListQuerySchema, NextCursorSchema, Nullable } from '../http/common-schemas.js';

export const VideoIdParamsSchema = Type.Object({ vid: Type.String() });
export const CommentParamsSchema = Type.Object({ vid: Type.String(), cid: Type.String() });

const ContentSchema = Type.String({ maxLength: 8192, description: '1–2000 characters after trimming' });

export const NewCommentSchema = Type.Object({
  content: ContentSchema,
  parent_id: Type.Optional(
    Nullable(Type.String({ maxLength: 64, description: 'a top-level comment of the same video: this comment replies to it' })),
  ),
});

export const CommentListQuerySchema = Type.Object({
  ...ListQuerySchema.properties,
  state: Type.Optional(Type.Unsafe<'pending'>({ type: 'string', enum: ['pending'], description: "pending: only the comments and replies waiting for approval (the video's owner and moderators)" })),
});

export const EditCommentSchema = Type.Object({ content: ContentSchema });

/** The lists' limit and cursor; a replies list has no time window. */
export const RepliesQuerySchema = Type.Pick(ListQuerySchema, ['limit', 'cursor']);

export const CommentSchema = Type.Object({
  id: Type.String(),
  video_id: Type.String(),
  author: Type.String(),
  author_id: Type.Integer(),
  content: Type.String({ description: 'as written; `@name` mentions are left for the pages to link' }),
  time: Type.String({ format: 'date-time' }),
  parent_id: Nullable(Type.String({ description: 'the top-level comment this one replies to' })),
  replies_count: Type.Integer(),
  edited_time: Nullable(Type.String({ format: 'date-time' })),
  pinned: Type.Boolean(),
  state: Type.Unsafe<'visible' | 'pending'>({ type: 'string', enum: ['visible', 'pending'], description: 'pending: waiting for the owner\'s approval, seen only by its author, the owner and moderators' }),
});
export type CommentJson = Static<typeof CommentSchema>;

export const CommentListSchema = Type.Object({ comments: Type.Array(CommentSchema), next_cursor: NextCursorSchema });
