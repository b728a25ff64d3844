// Fastify pieces every service shares: server options, the common plugin, errors, /healthz, metrics.
export * from './server-options.js';
export * from './error-handler.js';
export * from './health.js';
export * from './metrics.js';
export * from './logging.js';
export * from './run-service.js';
export * from './client-address.js';
export * from './error-tracking.js';
