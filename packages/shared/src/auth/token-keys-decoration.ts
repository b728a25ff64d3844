import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { loadTokenKeys, type TokenKeys } from './token-keys.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The access-token keys (auth/token-keys.ts): every service that checks callers has them. */
    tokenKeys: TokenKeys;
  }
}

/** Puts the keys on the app: the ones given (a main loads them before building), else loaded from the config. */
export function decorateTokenKeys(app: FastifyInstance, config: Pick<Config, 'jwt_private_key' | 'data_dir'>, keys?: TokenKeys): TokenKeys {
  const resolved = keys ?? loadTokenKeys(config);
  app.decorate('tokenKeys', resolved);
  return resolved;
}
