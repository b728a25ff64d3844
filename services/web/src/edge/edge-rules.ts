import { ErrorCodes } from '@video/shared/contract';

// The web's edge decisions as pure functions, so the hooks that apply them and their tests agree.

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface OriginHeaders {
  origin?: string | string[];
  'sec-fetch-site'?: string | string[];
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * True when a browser says the request comes from another site: an `Origin` whose host (and port)
 * is not the site's, the opaque `Origin: null`, or `Sec-Fetch-Site: cross-site`. A request with
 * neither header (curl, a REST client) is not a browser's cross-site request and passes.
 */
export function isForeignOrigin(headers: OriginHeaders, siteHost: string | undefined): boolean {
  const fetchSite = one(headers['sec-fetch-site'])?.trim().toLowerCase();
  if (fetchSite === 'cross-site') return true;
  const origin = one(headers.origin)?.trim();
  if (origin === undefined || origin === '') return false;
  if (origin.toLowerCase() === 'null') return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  return !siteHost || host.toLowerCase() !== siteHost.toLowerCase();
}

/** A state-changing method whose request comes from another site (see isForeignOrigin). */
export function isCrossSiteWrite(method: string, headers: OriginHeaders, siteHost: string | undefined): boolean {
  return STATE_CHANGING.has(method.toUpperCase()) && isForeignOrigin(headers, siteHost);
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * True for the metrics endpoints (the web's own and the api's through /api), however the path is
 * spelled: percent-encoded, with doubled or trailing slashes. They belong on the service ports only.
 */
export function isMetricsPath(url: string): boolean {
  const path = decodePath(url.split('?', 1)[0]).replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return /^(\/api)?\/metrics$/i.test(path);
}

/**
 * Routes that keep no whole-request deadline: video downloads, uploads (multipart and tus) and
 * WebSockets may run as long as the client's link needs. Everything else must finish in time.
 */
export function isLongRunning(url: string, upgrade: string | undefined): boolean {
  if (upgrade) return true;
  const path = url.split('?', 1)[0];
  return /^\/(videos|upload|files)(\/|$)/.test(path);
}

/** The fixed texts the home page shows for an `?error=` code; anything else is the generic one. */
export const FORM_ERRORS: Readonly<Record<string, string>> = {
  [ErrorCodes.BAD_REQUEST.code]: 'Check the user name and password: one of them is not valid.',
  [ErrorCodes.UNAUTHORIZED.code]: 'Wrong user name or password.',
  [ErrorCodes.CONFLICT.code]: 'That user name is already taken.',
  [ErrorCodes.TOO_MANY_REQUESTS.code]: 'Too many attempts. Please wait a moment and try again.',
  [ErrorCodes.UNAVAILABLE.code]: 'The site cannot reach its services right now. Please try again in a moment.',
};
export const GENERIC_FORM_ERROR = 'Something went wrong. Please try again.';

/** The home page's text for an `?error=` value; the raw query text is never shown. */
export function formErrorText(code: string | undefined): string {
  if (code === undefined || code === '') return '';
  return Object.hasOwn(FORM_ERRORS, code) ? FORM_ERRORS[code] : GENERIC_FORM_ERROR;
}
