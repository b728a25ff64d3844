import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isLockConflict, lockConflict } from '../db/lock-conflicts.js';
import {
  AppError,
  errorNameForStatus,
  internalError,
  isDatabaseError,
  isUnavailableError,
  unavailable,
} from '../contract/errors.js';
import { reportRequestError } from './error-tracking.js';

/** Maps anything thrown in a request to the contract's error. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError;
  if (e && Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'request';
    const first = e.validation[0];
    const field = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const detail = first?.message ?? 'is not valid';
    return new AppError('BAD_REQUEST', `${where}${field ? `.${field}` : ''} ${detail}`);
  }
  // A request that raced another for a lock (after any retry) is the client's to repeat, not a 5xx.
  if (isLockConflict(err)) return lockConflict(err);
  if (isUnavailableError(err)) return unavailable('the database is unavailable, try again shortly', err);
  if (isDatabaseError(err)) return new AppError('DB_ERROR', undefined, { cause: err });
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new AppError(errorNameForStatus(status), e.message || undefined);
  return internalError(undefined, err);
}


/**
 * The body an error is sent with: the contract's `{error, error_code}`, or DPlayer's shape, which
 * adds `{code: 1, msg}` (DPlayer shows `msg`) beside the contract's fields.
 */
export type ErrorBodyFormat = 'contract' | 'dplayer';

export function errorBody(err: AppError, format: ErrorBodyFormat = 'contract') {
  return format === 'dplayer' ? { code: 1 as const, msg: err.message, ...err.toBody() } : err.toBody();
}

/**
 * The one error handler: anything thrown becomes the contract's error with its status and headers;
 * a 5xx is logged with its cause and never leaks it, a 4xx is logged at info.
 */
export function createErrorHandler(options: { format?: ErrorBodyFormat } = {}) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appErr = toAppError(err);
    if (appErr.statusCode >= 500) {
      request.log.error({ err }, 'request failed');
      reportRequestError(err, request, appErr.statusCode);
    }
    else request.log.info({ status: appErr.statusCode, code: appErr.errorCode, msg: appErr.message }, 'request rejected');
    reply.code(appErr.statusCode).headers(appErr.headers).send(errorBody(appErr, options.format));
  };
}
