import { Type, type Static } from '@sinclair/typebox';
import { NextCursorSchema } from '../http/common-schemas.js';
import { VideoInfoSchema } from '../videos/videos-schemas.js';

const limit = (max: number, def: number) => Type.Integer({ minimum: 1, maximum: max, default: def });
const cursor = Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' }));

export const FeedQuerySchema = Type.Object({
  sort: Type.Unsafe<'recent' | 'hot' | 'views' | 'likes'>({ type: 'string', enum: ['recent', 'hot', 'views', 'likes'], default: 'recent' }),
  limit: limit(200, 50),
  cursor,
});
export type FeedQuery = Static<typeof FeedQuerySchema>;

export const SearchQuerySchema = Type.Object({
  q: Type.String({ maxLength: 1000, description: '1–200 characters after trimming; every word must match' }),
  limit: limit(200, 50),
  cursor,
});

export const RelatedQuerySchema = Type.Object({ limit: limit(50, 10) });

export const VideoPageSchema = Type.Object({ videos: Type.Array(VideoInfoSchema), next_cursor: NextCursorSchema });
export const RelatedSchema = Type.Object({ videos: Type.Array(VideoInfoSchema) });

export const ProfileSchema = Type.Object({
  id: Type.Integer(),
  user_name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  videos_count: Type.Integer({ description: 'public videos that have a file' }),
  followers_count: Type.Integer(),
  following_count: Type.Integer(),
});
