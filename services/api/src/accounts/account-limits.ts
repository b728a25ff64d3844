import type { FastifyRequest } from 'fastify';
import { rateLimitAddress } from '@video/shared';
import { retryLater, type LimiterFactory } from '../http/rate-limits.js';
import type { WindowLimiter } from '../http/window-limiter.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Per rule: hits allowed per window. Each route counts the client address and the account or address it targets. */
export const ACCOUNT_LIMITS = {
  resetPerAddress: { max: 20, windowMs: HOUR },
  /** Per name or email asked about, whether or not it has an account: a 429 here says nothing about existence. */
  resetPerTarget: { max: 5, windowMs: HOUR },
  tokenPerAddress: { max: 30, windowMs: 15 * MINUTE },
  emailChangePerUser: { max: 10, windowMs: HOUR },
  /** A 409 says an address has an account: probing with many accounts from one client is slow too. */
  emailChangePerAddress: { max: 30, windowMs: HOUR },
  resendPerUser: { max: 5, windowMs: HOUR },
  passwordFailPerUser: { max: 10, windowMs: 15 * MINUTE },
  passwordFailPerAddress: { max: 50, windowMs: 15 * MINUTE },
  sessionsPerUser: { max: 20, windowMs: HOUR },
} as const;

export type AccountLimitName = keyof typeof ACCOUNT_LIMITS;

export interface AccountLimits {
  /** Counts a hit on `key` of the rule; 429 008 (with Retry-After) when it is over. */
  take(rule: AccountLimitName, key: string): Promise<void>;
  /** 429 008 while a failure counter is over its limit (does not count). */
  check(rule: AccountLimitName, key: string): Promise<void>;
  /** Counts a failure that already happened. */
  fail(rule: AccountLimitName, key: string): Promise<void>;
  address(request: FastifyRequest): string;
}

export function accountLimits(limiter: LimiterFactory): AccountLimits {
  const counters = new Map<AccountLimitName, WindowLimiter>();
  for (const [name, rule] of Object.entries(ACCOUNT_LIMITS) as [AccountLimitName, { max: number; windowMs: number }][]) {
    counters.set(name, limiter({ name: `account-${name}`, ...rule }));
  }
  const counter = (rule: AccountLimitName) => counters.get(rule)!;
  return {
    async take(rule, key) {
      const wait = await counter(rule).take(key);
      if (wait > 0) throw retryLater(wait, 'too many requests for this account');
    },
    async check(rule, key) {
      const wait = await counter(rule).wait(key);
      if (wait > 0) throw retryLater(wait, 'too many failed attempts');
    },
    async fail(rule, key) {
      await counter(rule).record(key);
    },
    address: (request) => rateLimitAddress(request.ip),
  };
}
