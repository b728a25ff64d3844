import { Type } from '@sinclair/typebox';
import { ErrorSchema } from '../schemas.js';

/** Upload ids are made here (32 hex digits); anything else in the URL is a 400 before any lookup. */
export const UPLOAD_ID_PATTERN = '^[0-9a-f]{32}$';

export const UploadParamsSchema = Type.Object({ id: Type.String({ pattern: UPLOAD_ID_PATTERN }) });

/** tus answers carry everything in headers; bodies are empty except for errors. */
const Empty = Type.Null({ description: 'no body: the tus headers (Upload-Offset, Location, …) carry the answer' });

export const TusResponses = {
  200: Empty,
  201: Empty,
  204: Empty,
  '4xx': ErrorSchema,
  '5xx': ErrorSchema,
};
