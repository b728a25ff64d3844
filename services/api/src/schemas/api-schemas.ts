import { Type, type Static, type TSchema } from '@sinclair/typebox';
export { ErrorSchema, SessionInfoSchema, errorResponses } from '@video/shared';


/** Letters and digits of any script, `_`, `.`, `-`; checked after NFC normalization. */
export const USER_NAME_PATTERN = '^[\\p{L}\\p{N}_.-]{1,64}$';
export const USER_NAME_RE = new RegExp(USER_NAME_PATTERN, 'u');


export const CredentialsSchema = Type.Object({
  user_name: Type.String({ pattern: USER_NAME_PATTERN, description: '1–64 letters, digits, _ . - (any script)' }),
  // 6–72 bytes of UTF-8: the character bounds here are the loosest possible, the byte rule is checked after.
  pwd: Type.String({ minLength: 2, maxLength: 72, description: '6–72 bytes (UTF-8)' }),
});
export type Credentials = Static<typeof CredentialsSchema>;

export const SessionCreatedSchema = Type.Object({ success: Type.Literal(true), session_id: Type.String({ format: 'uuid' }) });

export const UserSchema = Type.Object({ id: Type.Integer(), user_name: Type.String() });


export const UserParamsSchema = Type.Object({ username: Type.String() });
export const VideoParamsSchema = Type.Object({ username: Type.String(), vid: Type.String() });
export const VideoIdParamsSchema = Type.Object({ vid: Type.String() });
export const CommentParamsSchema = Type.Object({ vid: Type.String(), cid: Type.String() });

export const NewVideoSchema = Type.Object({
  name: Type.String({ maxLength: 1024, description: '1–256 characters after trimming' }),
});
export const NewCommentSchema = Type.Object({
  content: Type.String({ maxLength: 8192, description: '1–2000 characters after trimming' }),
});

/**
 * A nullable response field as OpenAPI 3.0 spells it. fast-json-stringify serializes `nullable`
 * with a null check, where an anyOf would cost a schema validation per field of every list item.
 */
const Nullable = <T extends TSchema>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, nullable: true });

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

export const ListQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000_000, description: 'unix seconds, exclusive' })),
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000_000, description: 'unix seconds, inclusive' })),
});
export type ListQuery = Static<typeof ListQuerySchema>;

const NextCursor = Nullable(Type.String({ description: 'pass back as ?cursor= for the next page; null on the last' }));
export const VideoListSchema = Type.Object({ videos: Type.Array(VideoInfoSchema), next_cursor: NextCursor });
export const CommentListSchema = Type.Object({ comments: Type.Array(CommentSchema), next_cursor: NextCursor });

