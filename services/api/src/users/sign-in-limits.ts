import type { FastifyReply, FastifyRequest } from 'fastify';
import { rateLimitAddress } from '@video/shared';
import { normalizeName } from '../http/input.js';
import { retryLater, type LimitHook, type LimiterFactory, type ReplyLimitHook } from '../http/rate-limits.js';

const SIGN_IN_WINDOW_MS = 5 * 60_000;
/**
 * One name is tried from many addresses (a user's phone and laptop, an office NAT), and one
 * address tries many names (a NAT again): both ceilings sit well above the name+address limit,
 * which is the one that stops a guesser without locking the user out from elsewhere.
 */
const SIGN_IN_CEILING_FACTOR = 10;

export interface AuthLimits {
  /** Refuses a sign-in while its name+address, its name or its address has failed too often. */
  signIn: ReplyLimitHook;
  /** Counts a failed credential check (wrong password or unknown name) of this request. */
  signInFailed: (request: FastifyRequest) => Promise<void>;
  /** Sign-ups per client address. */
  signUp: LimitHook;
}

/** The name tried: the path's (POST /user/:username) or, on POST /tokens, the body's. */
function signInKeys(request: FastifyRequest) {
  const tried = (request.params as { username?: unknown }).username ?? (request.body as { user_name?: unknown } | undefined)?.user_name;
  const name = normalizeName(String(tried ?? ''));
  const address = rateLimitAddress(request.ip);
  return { nameAddress: `${name}|${address}`, name, address };
}

/**
 * Failures are recorded after the bcrypt compare, so parallel guesses would all pass the check
 * first: attempts still in flight count against the name+address limit too (on this instance).
 */
function inFlightCounter() {
  const inFlight = new Map<string, number>();
  return {
    count: (key: string) => inFlight.get(key) ?? 0,
    /** Counts `key` until the reply is finished or its connection closes, whichever comes first. */
    holdUntilDone(key: string, reply: FastifyReply) {
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      let left = false;
      const done = () => {
        if (left) return;
        left = true;
        const rest = (inFlight.get(key) ?? 1) - 1;
        if (rest > 0) inFlight.set(key, rest);
        else inFlight.delete(key);
      };
      reply.raw.once('finish', done);
      reply.raw.once('close', done);
    },
  };
}

/**
 * Failed sign-ins and sign-ups per address. Addresses are `request.ip` (the first hop outside
 * `trusted_proxies`), IPv6 by its /64.
 */
export function signInLimits(limiter: LimiterFactory, signin: number): AuthLimits {
  const failedPerNameAddress = limiter({ name: 'signin-name-ip', max: signin, windowMs: SIGN_IN_WINDOW_MS });
  const failedPerName = limiter({ name: 'signin-name', max: signin * SIGN_IN_CEILING_FACTOR, windowMs: SIGN_IN_WINDOW_MS });
  const failedPerAddress = limiter({ name: 'signin-ip', max: signin * SIGN_IN_CEILING_FACTOR, windowMs: SIGN_IN_WINDOW_MS });
  const signUpPerAddress = limiter({ name: 'signup-ip', max: signin, windowMs: SIGN_IN_WINDOW_MS });
  const inFlight = inFlightCounter();

  return {
    signIn: async (request, reply) => {
      const keys = signInKeys(request);
      const waits = await Promise.all([
        failedPerNameAddress.wait(keys.nameAddress),
        failedPerName.wait(keys.name),
        failedPerAddress.wait(keys.address),
      ]);
      const wait = Math.max(...waits);
      if (wait > 0) throw retryLater(wait, 'too many failed sign-ins');
      if (inFlight.count(keys.nameAddress) >= signin) throw retryLater(1000, 'too many sign-ins at once');
      inFlight.holdUntilDone(keys.nameAddress, reply);
    },
    signInFailed: async (request) => {
      const keys = signInKeys(request);
      await Promise.all([
        failedPerNameAddress.record(keys.nameAddress),
        failedPerName.record(keys.name),
        failedPerAddress.record(keys.address),
      ]);
    },
    signUp: async (request) => {
      const wait = await signUpPerAddress.take(rateLimitAddress(request.ip));
      if (wait > 0) throw retryLater(wait, 'too many sign-ups from this address');
    },
  };
}
