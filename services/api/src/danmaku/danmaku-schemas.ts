import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { VIDEO_ID_PATTERN } from '@video/shared';

/** One video id, without the pattern's anchors. */
const ID = VIDEO_ID_PATTERN.slice(1, -1);

export const POOL_CAP = 3000;

const Ok = <T extends TSchema>(data: T) => Type.Object({ code: Type.Literal(0), data });

export const PoolQuerySchema = Type.Object({
  id: Type.String({ pattern: VIDEO_ID_PATTERN, description: 'the video id' }),
  max: Type.Optional(Type.Integer({ minimum: 1, description: `newest N danmaku (default and cap ${POOL_CAP})` })),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: 'same as max' })),
});
export type PoolQuery = Static<typeof PoolQuerySchema>;

export const DanmakuTupleSchema = Type.Tuple(
  [
    Type.Number({ description: 'seconds into the video' }),
    Type.Integer({ description: '0 scroll, 1 top, 2 bottom' }),
    Type.Integer({ description: '0xRRGGBB' }),
    Type.String({ description: 'author, HTML-escaped' }),
    Type.String({ description: 'text, HTML-escaped' }),
  ],
  { description: '[time, type, color, author, text]' },
);

export const PoolSchema = Ok(Type.Array(DanmakuTupleSchema));

export const NewDanmakuSchema = Type.Object({
  id: Type.String({ pattern: VIDEO_ID_PATTERN, description: 'the video id' }),
  time: Type.Number({ description: 'seconds into the video, finite, at least 0' }),
  text: Type.String({ maxLength: 4000, description: '1–100 characters after trimming' }),
  color: Type.Union([Type.Number(), Type.String({ maxLength: 16 })], { description: 'integer 0..0xFFFFFF, #rgb or #rrggbb' }),
  type: Type.Union([Type.Number(), Type.String({ maxLength: 16 })], { description: '0/1/2 or "right"/"top"/"bottom"' }),
  nonce: Type.Optional(Type.String({ pattern: VIDEO_ID_PATTERN, description: "echoed in the live push, so the sender's page can skip its own" })),
  token: Type.Optional(Type.Unknown({ description: 'sent by DPlayer, ignored' })),
  author: Type.Optional(Type.Unknown({ description: 'sent by DPlayer, ignored: the author is the session user' })),
});
export type NewDanmakuBody = Static<typeof NewDanmakuSchema>;

export const PostedSchema = Ok(
  Type.Object({
    id: Type.String(),
    video_id: Type.String(),
    time: Type.Number(),
    type: Type.Integer(),
    color: Type.Integer(),
    author: Type.String({ description: 'HTML-escaped' }),
    text: Type.String({ description: 'HTML-escaped' }),
  }),
);

export const DanmakuIdParamsSchema = Type.Object({ id: Type.String({ pattern: VIDEO_ID_PATTERN }) });
export const VideoIdParamsSchema = Type.Object({ vid: Type.String({ pattern: VIDEO_ID_PATTERN }) });
export const LiveQuerySchema = Type.Object({ id: Type.String({ pattern: VIDEO_ID_PATTERN, description: 'the video id' }) });
export const ViewersSchema = Type.Object({ viewers: Type.Integer() });
export const ViewersBatchQuerySchema = Type.Object({
  ids: Type.String({ pattern: `^${ID}(,${ID}){0,99}$`, description: 'up to 100 comma-separated video ids' }),
});
export const ViewersBatchSchema = Type.Object({ viewers: Type.Record(Type.String(), Type.Integer()) });
