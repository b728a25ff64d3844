import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.js';
import {
  AppError,
  errorNameForStatus,
  internalError,
  isDatabaseError,
  isUnavailableError,
  unavailable,
} from './errors.js';
import { isLockConflict, lockConflict } from './db/lock-conflicts.js';
import { genReqId, loggerOptions } from './logging.js';
import { metricsPlugin } from './metrics.js';

/** Server options every service shares: logger, request ids, body limit, timeouts. */
export function baseServerOptions(
  config: Pick<Config, 'log_level'> & Partial<Pick<Config, 'trusted_proxies'>>,
  service: string,
  extra: FastifyServerOptions = {},
): FastifyServerOptions {
  return {
    logger: loggerOptions(config, service),
    genReqId,
    requestIdHeader: false,
    // Only these peers may say who the client is (X-Forwarded-For); request.ip is the first
    // untrusted hop, which every per-address limit and view count keys on.
    trustProxy: config.trusted_proxies ?? ['loopback'],
    bodyLimit: 1024 * 1024,
    // Slow-loris protection: a request's headers and body must arrive in bounded time (services
    // that take long uploads turn the whole-request deadline off), and a socket on which nothing
    // moves for a minute — a stalled upload, a client that stopped reading — is closed.
    requestTimeout: 120_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    // A 64-character name in a 4-byte script is 768 characters percent-encoded; a longer parameter
    // is answered by frameworkErrors below, in the contract's shape, not by the router's own 414.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      const tooLong = (err as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH';
      (reply as FastifyReply).code(400).send({ error: tooLong ? 'a path parameter is too long' : 'path is not valid', error_code: '001' });
    },
    ...extra,
  };
}

function makeAjv(coerce: boolean) {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: true,
    allErrors: false,
  });
  addFormats.default(ajv);
  return ajv;
}

/**
 * The contract's behaviour shared by all four services: bodies are validated without type coercion
 * (a number where a string belongs is a 400), params and query strings with it; X-Request-Id is
 * echoed; every error becomes {"error","error_code"} with its status, and a 5xx never leaks details.
 */
export const commonPlugin = fp(
  /** `metricsToken`: the service's metrics_token; when set, GET /metrics needs it as a bearer token. */
  async (app: FastifyInstance, opts: { service: string; metricsToken?: string }) => {
    const bodyAjv = makeAjv(false);
    const otherAjv = makeAjv(true);
    app.setValidatorCompiler(({ schema, httpPart }) =>
      httpPart === 'body' ? bodyAjv.compile(schema) : otherAjv.compile(schema),
    );

    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, error_code: '006' });
    });

    app.setErrorHandler((err: FastifyError, request, reply) => {
      const appErr = toAppError(err);
      if (appErr.statusCode >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ status: appErr.statusCode, code: appErr.errorCode, msg: appErr.message }, 'request rejected');
      reply.code(appErr.statusCode).headers(appErr.headers).send(appErr.toBody());
    });

    await app.register(metricsPlugin, { service: opts.service, token: opts.metricsToken });
  },
  { name: 'video-common', fastify: '5.x' },
);

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
  if (status >= 400 && status < 500) {
    const headers: Record<string, string> = {};
    return new AppError(errorNameForStatus(status), e.message || undefined, { headers });
  }
  return internalError(undefined, err);
}

/**
 * GET /healthz: 200 {"status":"ok"} when `check` resolves, 503 with the contract's error fields
 * when a dependency it needs is down. Its requests are not logged below warn.
 */
export function registerHealth(app: FastifyInstance, check: () => Promise<Record<string, unknown> | void>): void {
  // Launchers, orchestrators and load balancers ask every few seconds: the request lines would bury
  // the work in the log. A failing check still logs its warning.
  app.get('/healthz', { logLevel: 'warn' }, async (request, reply) => {
    try {
      const extra = (await check()) ?? {};
      return { status: 'ok', ...extra };
    } catch (err) {
      request.log.warn({ err }, 'health check failed');
      reply.code(503);
      return { status: 'unavailable', error: 'a dependency is unavailable', error_code: '011' };
    }
  });
}
