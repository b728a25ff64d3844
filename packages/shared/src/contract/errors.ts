/** The contract's error table: one source of truth for codes, statuses and default messages. */
export const ErrorCodes = {
  BAD_REQUEST: { code: '001', status: 400, message: 'request is not valid' },
  UNAUTHORIZED: { code: '002', status: 401, message: 'authentication failed' },
  DB_ERROR: { code: '003', status: 500, message: 'database operation failed' },
  INTERNAL: { code: '004', status: 500, message: 'internal service error' },
  FORBIDDEN: { code: '005', status: 403, message: 'not allowed' },
  NOT_FOUND: { code: '006', status: 404, message: 'not found' },
  CONFLICT: { code: '007', status: 409, message: 'conflict' },
  TOO_MANY_REQUESTS: { code: '008', status: 429, message: 'too many requests' },
  PAYLOAD_TOO_LARGE: { code: '009', status: 413, message: 'payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { code: '010', status: 415, message: 'unsupported media type' },
  UNAVAILABLE: { code: '011', status: 503, message: 'a dependency is unavailable' },
  INSUFFICIENT_STORAGE: { code: '012', status: 507, message: 'insufficient storage' },
} as const;

export type ErrorName = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorName]['code'];

export interface ErrorBody {
  error: string;
  error_code: ErrorCode;
}

export class AppError extends Error {
  readonly statusCode: number;
  readonly errorCode: ErrorCode;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Record<string, string>;

  /**
   * `status` overrides the table's status for the few answers HTTP gives a status of their own
   * but the contract no code (412 and 416 carry 001, "request is not valid").
   */
  constructor(
    name: ErrorName,
    message?: string,
    options: { headers?: Record<string, string>; cause?: unknown; status?: number } = {},
  ) {
    const def = ErrorCodes[name];
    super(message ?? def.message, { cause: options.cause });
    this.name = 'AppError';
    this.statusCode = options.status ?? def.status;
    this.errorCode = def.code;
    this.headers = options.headers ?? {};
  }

  toBody(): ErrorBody {
    return { error: this.message, error_code: this.errorCode };
  }
}

export const badRequest = (message?: string) => new AppError('BAD_REQUEST', message);
export const unauthorized = (message?: string) => new AppError('UNAUTHORIZED', message);
export const forbidden = (message?: string) => new AppError('FORBIDDEN', message);
export const notFound = (message?: string) => new AppError('NOT_FOUND', message);
export const conflict = (message?: string) => new AppError('CONFLICT', message);
export const tooManyRequests = (retryAfterSeconds: number, message?: string) =>
  new AppError('TOO_MANY_REQUESTS', message, { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
export const payloadTooLarge = (message?: string) => new AppError('PAYLOAD_TOO_LARGE', message);
export const unsupportedMediaType = (message?: string) => new AppError('UNSUPPORTED_MEDIA_TYPE', message);
export const unavailable = (message?: string, cause?: unknown) => new AppError('UNAVAILABLE', message, { cause });
export const insufficientStorage = (message?: string) => new AppError('INSUFFICIENT_STORAGE', message);
/** 412: an If-Match / If-Unmodified-Since precondition does not hold. */
export const preconditionFailed = (message?: string) => new AppError('BAD_REQUEST', message, { status: 412 });
/** 416: no requested range overlaps the file; Content-Range says how long it is. */
export const rangeNotSatisfiable = (size: number, message?: string) =>
  new AppError('BAD_REQUEST', message ?? `range not satisfiable: the file has ${size} bytes`, {
    status: 416,
    headers: { 'content-range': `bytes */${size}` },
  });
export const internalError = (message?: string, cause?: unknown) => new AppError('INTERNAL', message, { cause });

const STATUS_TO_NAME: Record<number, ErrorName> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'UNAVAILABLE',
  507: 'INSUFFICIENT_STORAGE',
};

/** The contract's code for a plain HTTP status (for errors raised by Fastify and its plugins). */
export function errorNameForStatus(status: number): ErrorName {
  if (STATUS_TO_NAME[status]) return STATUS_TO_NAME[status];
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'POOL_CLOSED',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);

/** True when an error means the database (or another dependency) cannot be reached right now. */
export function isUnavailableError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('SQLITE_IOERR'))) return true;
  if (typeof e.message === 'string' && /connection is in closed state|Pool is closed|connect ETIMEDOUT|driver has already been destroyed/i.test(e.message)) {
    return true;
  }
  return e.fatal === true;
}

/** True for errors thrown by a database driver (mysql2 or better-sqlite3). */
export function isDatabaseError(err: unknown): boolean {
  const e = err as { code?: unknown; sqlState?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.sqlState === 'string') return true;
  if (e.name === 'SqliteError') return true;
  return typeof e.code === 'string' && (e.code.startsWith('ER_') || e.code.startsWith('SQLITE_'));
}

/** True when an insert failed on a unique or primary key, on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
