import { AppError, conflict, internalError, notFound, payloadTooLarge, badRequest, unsupportedMediaType } from '@video/shared';

export const TUS_VERSION = '1.0.0';

/**
 * 412 for a Tus-Resumable the server does not speak (tus 1.0 requires this status and the
 * Tus-Version header). The contract has no 412 row, so the body carries 001 "request is not valid".
 */
export class TusVersionError extends AppError {
  constructor(got: string | undefined) {
    const message = got ? `Tus-Resumable ${got} is not supported: use ${TUS_VERSION}` : `Tus-Resumable: ${TUS_VERSION} is required`;
    super('BAD_REQUEST', message, { headers: { 'tus-version': TUS_VERSION } });
    (this as { statusCode: number }).statusCode = 412;
  }
}

/**
 * The contract's error for an error answer of @tus/server (plain text bodies, a few statuses of its
 * own): its 403s are malformed requests, its 410 an expired upload, its 5xx our failure.
 */
export function fromTusError(status: number, body: string): AppError {
  const message = body.trim().slice(0, 200) || undefined;
  switch (status) {
    case 404:
      return notFound('no such upload');
    case 409:
      return conflict(message ?? 'Upload-Offset does not match the stored offset');
    case 410:
      return notFound('the upload has expired');
    case 413:
      return payloadTooLarge(message);
    case 415:
      return unsupportedMediaType(message);
    default:
      return status >= 500 ? internalError(undefined, new Error(`tus ${status}: ${message ?? ''}`)) : badRequest(message);
  }
}
