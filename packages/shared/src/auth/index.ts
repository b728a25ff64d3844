// Access tokens for API clients: key handling, signing and verification. No database, no Fastify:
// the web can load this too.
export * from './token-keys.js';
export * from './access-tokens.js';
export * from './credentials-header.js';
export * from './token-keys-decoration.js';
