import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tooManyRequests, type Config } from '@video/shared';
import { normalizeName } from '../lib/input.js';

const WINDOW_MS = 5 * 60_000;
/** Many people can share one address (an office, a NAT); the per-address sign-in cap is looser. */
const SIGN_IN_ADDRESS_FACTOR = 10;

export type LimitHook = (request: FastifyRequest) => Promise<void>;

export interface AuthLimits {
  /** Sign-in attempts per user name, and (looser) per client address. */
  signIn: LimitHook;
  /** Sign-ups per client address. */
  signUp: LimitHook;
}

/**
 * Registers @fastify/rate-limit for the whole app (no global limit: routes opt in, so feature
 * plugins can use `config.rateLimit` too) and builds the brute-force limits of sign-in and sign-up.
 * Counters live in this process; behind `trustProxy` the client address is the web proxy's
 * X-Forwarded-For.
 */
export async function registerRateLimits(app: FastifyInstance, config: Pick<Config, 'signin_rate_limit'>): Promise<AuthLimits> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => tooManyRequests(context.ttl / 1000, `too many requests, retry in ${context.after}`),
  });

  const limiter = (name: string, max: number, key: (request: FastifyRequest) => string): LimitHook => {
    const check = app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (request) => `${name}:${key(request)}` });
    return async (request) => {
      const result = await check(request);
      if (!result.isAllowed && result.isExceeded) {
        throw tooManyRequests(result.ttlInSeconds, `too many attempts, retry in ${result.ttlInSeconds} s`);
      }
    };
  };

  const perName = limiter('signin-name', config.signin_rate_limit, (request) =>
    normalizeName(String((request.params as { username?: unknown }).username ?? '')),
  );
  const signInPerAddress = limiter('signin-ip', config.signin_rate_limit * SIGN_IN_ADDRESS_FACTOR, (request) => request.ip);
  const signUpPerAddress = limiter('signup-ip', config.signin_rate_limit, (request) => request.ip);

  return {
    signIn: async (request) => {
      await perName(request);
      await signInPerAddress(request);
    },
    signUp: signUpPerAddress,
  };
}
