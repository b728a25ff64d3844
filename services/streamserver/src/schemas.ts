import { Type, type Static } from '@sinclair/typebox';

export const ErrorSchema = Type.Object({ error: Type.String(), error_code: Type.String() });

export const VideoParamsSchema = Type.Object({
  vid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
});
export type VideoParams = Static<typeof VideoParamsSchema>;

export const UploadResponseSchema = Type.Object({
  success: Type.Literal(true),
  id: Type.String(),
  size: Type.Integer(),
});
