import { Type } from '@sinclair/typebox';
import { UPLOAD_ID_PATTERN } from '@video/shared';
import { ErrorSchema } from '../../http/schemas.js';

/**
 * Upload ids are made here (32 hex digits); anything else in the URL is a 400 before any lookup.
 * The upload id is the route's wildcard rather than a :param, so an overlong one reaches this
 * pattern (400 in the contract's shape) instead of the router's own 414.
 */
export const UploadParamsSchema = Type.Object({ '*': Type.String({ pattern: UPLOAD_ID_PATTERN }) });

/** tus answers carry everything in headers; bodies are empty except for errors. */
const Empty = Type.Null({ description: 'no body: the tus headers (Upload-Offset, Location, …) carry the answer' });

export const TusResponses = {
  200: Empty,
  201: Empty,
  204: Empty,
  '4xx': ErrorSchema,
  '5xx': ErrorSchema,
};
