import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { badRequest, notFound } from '../contract/errors.js';
import { genReqId, loggerOptions } from './logging.js';
import { metricsPlugin } from './metrics.js';
import { createErrorHandler } from './error-handler.js';
import { flushErrorTracking, reportServerResponse } from './error-tracking.js';

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
      (reply as FastifyReply).code(400).send(badRequest(tooLong ? 'a path parameter is too long' : 'path is not valid').toBody());
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
      reply.code(404).send(notFound(`no route ${request.method} ${request.url.split('?')[0]}`).toBody());
    });

    app.setErrorHandler(createErrorHandler());
    // Error tracking (sentry_dsn): a 5xx no error handler reported; what is queued goes out at close.
    app.addHook('onResponse', async (request, reply) => reportServerResponse(request, reply));
    app.addHook('onClose', async () => flushErrorTracking());

    await app.register(metricsPlugin, { service: opts.service, token: opts.metricsToken });
  },
  { name: 'video-common', fastify: '5.x' },
);

