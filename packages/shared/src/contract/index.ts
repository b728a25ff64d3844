// The contract's shared pieces: no database, no Fastify instance; safe for every service to load.
export * from './ids.js';
export * from './error-schema.js';
export * from './session.js';
export * from './errors.js';
export * from './cursor.js';
export * from './privacy.js';
export * from './derived-url.js';
