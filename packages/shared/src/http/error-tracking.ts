import type { FastifyReply, FastifyRequest } from 'fastify';
import sharedPackage from '../../package.json' with { type: 'json' };

/**
 * Error tracking (`sentry_dsn`). Off unless the DSN is set; then the SDK is loaded once per process
 * (so a service without it never pays for it), unhandled errors and every 5xx are reported with the
 * request id, the service and the release, and every event is scrubbed before it leaves.
 */
type SentryModule = typeof import('@sentry/node');
type SentryEvent = import('@sentry/node').Event;

let sentry: SentryModule | null = null;
let serviceName = '';

/** The release events carry: SENTRY_RELEASE (e.g. a git sha set at deploy), else the package version. */
export function errorTrackingRelease(env: NodeJS.ProcessEnv = process.env): string {
  return env.SENTRY_RELEASE?.trim() || `video-site@${sharedPackage.version}`;
}

const SECRET_KEY = /pass|pwd|secret|token|session|cookie|authorization|api[-_]?key|^code$/i;
const SECRET_QUERY = /([?&](?:[^=&]*(?:token|session|pwd|pass|secret|code|key)[^=&]*)=)[^&#]*/gi;
const FILTERED = '[Filtered]';

/** A URL with the values of secret-looking query parameters replaced. */
export function scrubUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${FILTERED}`);
}

const SECRET_PAIR = /\b([\w-]*(?:token|session|pwd|pass|secret)[\w-]*\s*[=:]\s*)([^\s&,;'"]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[^\s,;'"]+/gi;

/** Free text (an error message) with `token=…`-like pairs and credentials after Bearer/Basic replaced. */
export function scrubText(text: string): string {
  return scrubUrl(text).replace(SECRET_PAIR, `$1${FILTERED}`).replace(BEARER, `$1 ${FILTERED}`);
}

/** A copy of `value` in which every secret-looking key's value is replaced (bounded depth). */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return FILTERED;
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? FILTERED : scrubValue(v, depth + 1);
  return out;
}

/**
 * What is sent of an event: no request body, no cookies, no credentials in headers, query strings,
 * breadcrumbs, extras or contexts; no user beyond an id.
 */
export function scrubEvent<E extends SentryEvent>(event: E): E {
  if (event.request) {
    const { method, url, headers } = event.request;
    event.request = {
      method,
      url: url ? scrubUrl(url) : url,
      headers: headers ? (scrubValue(headers) as Record<string, string>) : undefined,
    };
  }
  if (event.message) event.message = scrubText(event.message);
  for (const ex of event.exception?.values ?? []) if (ex.value) ex.value = scrubText(ex.value);
  if (event.user) event.user = event.user.id === undefined ? {} : { id: event.user.id };
  if (event.extra) event.extra = scrubValue(event.extra) as typeof event.extra;
  if (event.contexts) event.contexts = scrubValue(event.contexts) as typeof event.contexts;
  if (event.tags) event.tags = scrubValue(event.tags) as typeof event.tags;
  if (event.breadcrumbs) {
    event.breadcrumbs = event.breadcrumbs.map((b) => ({ ...b, message: b.message ? scrubText(b.message) : b.message, data: scrubValue(b.data) as typeof b.data }));
  }
  return event;
}

/** Starts error tracking for this process when `sentry_dsn` is set; once (later calls do nothing). */
export async function initErrorTracking(config: { sentry_dsn: string }, service: string): Promise<boolean> {
  if (!config.sentry_dsn || sentry) return sentry !== null;
  const mod = await import('@sentry/node');
  mod.init({
    dsn: config.sentry_dsn,
    release: errorTrackingRelease(),
    environment: process.env.NODE_ENV || 'development',
    serverName: service,
    // Belt and braces: the SDK itself collects no user, cookies, headers, query strings or bodies.
    dataCollection: { userInfo: false, cookies: false, httpHeaders: false, httpBodies: [], urlQueryParams: false, databaseQueryData: false },
    // Only what this module reports: no tracing, no automatic request or console capture.
    defaultIntegrations: false,
    enableOpenTelemetrySetup: false,
    // beforeSendTransaction scrubs only under the static lifecycle (no traces are sampled anyway).
    traceLifecycle: 'static',
    integrations: [
      mod.onUncaughtExceptionIntegration(),
      mod.onUnhandledRejectionIntegration({ mode: 'warn' }),
      mod.linkedErrorsIntegration(),
    ],
    initialScope: { tags: { service } },
    beforeSend: (event) => scrubEvent(event),
    beforeSendTransaction: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => ({ ...crumb, data: scrubValue(crumb.data) as typeof crumb.data }),
  });
  sentry = mod;
  serviceName = service;
  return true;
}

/** Sends what is queued (a service that is stopping calls it before it exits). */
export async function flushErrorTracking(timeoutMs = 2000): Promise<void> {
  await sentry?.flush(timeoutMs);
}

const reported = new WeakSet<object>();

function requestScope(scope: import('@sentry/node').Scope, request: FastifyRequest, status: number): void {
  scope.setTag('service', serviceName);
  scope.setTag('request_id', String(request.id));
  scope.setTag('status', String(status));
  scope.setContext('http', { method: request.method, route: request.routeOptions?.url ?? '', status });
  // Method and URL only (scrubbed again in beforeSend): never the body, cookies or credentials.
  scope.addEventProcessor((event) => {
    event.request = { method: request.method, url: scrubUrl(request.url) };
    return event;
  });
}

/** Reports a request's 5xx with its cause (the shared error handler calls it). */
export function reportRequestError(err: unknown, request: FastifyRequest, status: number): void {
  if (!sentry) return;
  reported.add(request);
  sentry.withScope((scope) => {
    requestScope(scope, request, status);
    sentry!.captureException(err);
  });
}

/** A 5xx no error handler saw (a proxy's 502, a health check's 503): reported as a message. */
export function reportServerResponse(request: FastifyRequest, reply: FastifyReply): void {
  if (!sentry || reply.statusCode < 500 || reported.has(request)) return;
  const status = reply.statusCode;
  sentry.withScope((scope) => {
    requestScope(scope, request, status);
    sentry!.captureMessage(`${request.method} ${request.routeOptions?.url ?? '(no route)'} answered ${status}`, 'error');
  });
}
