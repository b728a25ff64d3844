// @ts-check
// fetch wrappers for the site's own endpoints. The session travels in the HttpOnly cookie, so no
// script ever handles the session id.

/** @typedef {import('../../types/api').ErrorBody} ErrorBody */

/**
 * An answer: `data` has type T when `status` is the route's success status; otherwise it is the
 * error body (or null). Status 0: the network failed.
 * @template T
 * @typedef {{ status: number, data: T, headers: Headers | null }} ApiResult
 */

/**
 * Calls the web (same origin). Resolves to {status, data}; rejects only when the network fails.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body] sent as JSON (a Blob: as it is, with its type)
 * @returns {Promise<ApiResult<any>>}
 */
export async function call(method, url, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin' };
  if (body instanceof Blob) {
    // A file goes as it is, with its own type (a caption track: text/vtt or application/x-subrip).
    headers['content-type'] = body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  let data = null;
  const type = res.headers.get('content-type') || '';
  if (res.status !== 204 && type.includes('json')) data = await res.json().catch(() => null);
  return { status: res.status, data, headers: res.headers };
}

/**
 * Like call(), but a network failure resolves to status 0 instead of rejecting.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<ApiResult<any>>}
 */
export function callOrOffline(method, url, body) {
  return call(method, url, body).catch(() => ({ status: 0, data: null, headers: null }));
}

/**
 * Messages for the statuses whose meaning depends on what was being done.
 * @typedef {{ on400?: string, on401?: string, on404?: string, on409?: string, on413?: string, on415?: string }} ErrorContext
 */

/** @type {Record<number, string>} */
const FIXED = {
  0: 'Network problem: check your connection and try again.',
  403: 'You are not allowed to do that.',
  429: 'Too many attempts. Please wait a little and try again.',
  503: 'The site is having trouble reaching its services. Please try again in a moment.',
};

/** @type {Record<number, string>} */
const DEFAULTS = {
  401: 'Your session has ended. Please sign in again.',
  404: 'It no longer exists.',
  409: 'That already exists.',
  413: 'That is too large.',
  415: 'That type of file is not supported.',
};

/**
 * A message a person can act on, from an error response of the contract's shape.
 * @param {number} status
 * @param {unknown} [data] the error body
 * @param {ErrorContext} [context]
 */
export function describeError(status, data, context = {}) {
  if (FIXED[status]) return FIXED[status];
  const specific = /** @type {Record<string, string | undefined>} */ (context)[`on${status}`];
  if (specific) return specific;
  if (DEFAULTS[status]) return DEFAULTS[status];
  if (status >= 500) return 'Something went wrong on our side. Please try again.';
  const error = data && typeof data === 'object' ? /** @type {ErrorBody} */ (data).error : undefined;
  if (typeof error === 'string') return capitalize(error);
  return 'That did not work. Please check and try again.';
}

/** @param {string} s */
export function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Names are path segments in the api's routes.
 * @param {string} s
 */
export const seg = (s) => encodeURIComponent(s);
