import { Type, type Static } from '@sinclair/typebox';
import { VIDEO_ID_PATTERN } from '@video/shared';

export { ErrorSchema } from '@video/shared';

export const VideoParamsSchema = Type.Object({
  vid: Type.String({ pattern: VIDEO_ID_PATTERN }),
});
export type VideoParams = Static<typeof VideoParamsSchema>;

export const UploadResponseSchema = Type.Object({
  success: Type.Literal(true),
  id: Type.String(),
  size: Type.Integer(),
});
