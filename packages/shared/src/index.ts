// Everything at once, for the services that use the database. The sub-paths load less:
// `@video/shared/contract` (ids, error table and schemas, session extraction), `/http` (Fastify
// server pieces), `/config`, `/auth` (access tokens), `/db` (drivers and repositories).
export * from './config.js';
export * from './tus-paths.js';
export * from './media-layout.js';
export * from './caption-lang.js';
export * from './contract/index.js';
export * from './auth/index.js';
export * from './http/index.js';
export * from './db/index.js';
