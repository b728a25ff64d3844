import { Type, type Static } from '@sinclair/typebox';
import { NextCursorSchema } from '../http/common-schemas.js';

export const VideoIdParamsSchema = Type.Object({ vid: Type.String() });
export const CommentParamsSchema = Type.Object({ vid: Type.String(), cid: Type.String() });

export const NewCommentSchema = Type.Object({
  content: Type.String({ maxLength: 8192, description: '1–2000 characters after trimming' }),
});

export const CommentSchema = Type.Object(
  {
    id: Type.String(),
    video_id: Type.String(),
    author: Type.String(),
    author_id: Type.Integer(),
    content: Type.String(),
    time: Type.String({ format: 'date-time' }),
  },
);
export type CommentJson = Static<typeof CommentSchema>;

export const CommentListSchema = Type.Object({ comments: Type.Array(CommentSchema), next_cursor: NextCursorSchema });
