import { Type, type Static } from '@sinclair/typebox';
import { NextCursorSchema, Nullable } from '../http/common-schemas.js';

export const VideoParamsSchema = Type.Object({ username: Type.String(), vid: Type.String() });

export const NewVideoSchema = Type.Object({
  name: Type.String({ maxLength: 1024, description: '1–256 characters after trimming' }),
});

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
  },
);
export type VideoInfo = Static<typeof VideoInfoSchema>;

export const VideoListSchema = Type.Object({ videos: Type.Array(VideoInfoSchema), next_cursor: NextCursorSchema });
