import type { FastifyRequest } from 'fastify';
import { rateLimitAddress } from '@video/shared';
import { retryLater, type LimiterFactory } from '../http/rate-limits.js';

const HOUR = 3_600_000;

export interface PhoneLimits {
  /** A code for `phone` from this request's address: at most 5 per number and 30 per address an hour. */
  code(request: FastifyRequest, phone: string): Promise<void>;
  /** Sign-in (and add-a-phone) attempts: 30 per address an hour, counted before the body is read. */
  attempt(request: FastifyRequest): Promise<void>;
}

export function phoneLimits(limiter: LimiterFactory): PhoneLimits {
  const perNumber = limiter({ name: 'phone-code-number', max: 5, windowMs: HOUR });
  const perAddress = limiter({ name: 'phone-code-ip', max: 30, windowMs: HOUR });
  const attempts = limiter({ name: 'phone-signin-ip', max: 30, windowMs: HOUR });
  return {
    async code(request, phone) {
      const address = rateLimitAddress(request.ip);
      // Look at both first, so a refusal by one does not use up the other.
      const wait = Math.max(await perAddress.wait(address), await perNumber.wait(phone));
      if (wait > 0) throw retryLater(wait, 'too many codes requested');
      const taken = Math.max(await perAddress.take(address), await perNumber.take(phone));
      if (taken > 0) throw retryLater(taken, 'too many codes requested');
    },
    async attempt(request) {
      const wait = await attempts.take(rateLimitAddress(request.ip));
      if (wait > 0) throw retryLater(wait, 'too many sign-in attempts');
    },
  };
}
