import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { limiterInUse, limiterRejected, tooManyRequests } from '@video/shared';
import { addressKey as addressKeyOf, type TransferGuard } from './transfer-guard.js';

/**
 * Counts requests in flight against one limit. `tryAcquire` may answer asynchronously so that a
 * cluster of workers can share one global count kept by the primary process.
 */
export interface ConnectionLimiter {
  readonly max: number;
  tryAcquire(): boolean | Promise<boolean>;
  /** A slot if one can be had without waiting, else false (and nothing asked of anyone). */
  tryAcquireNow?(): boolean;
  release(): void;
  /** Slots held by this process's requests (for tests and metrics). */
  inUse(): number;
}

/** The limit for one process: a plain counter. */
export class LocalLimiter implements ConnectionLimiter {
  private used = 0;
  constructor(readonly max: number) {}

  tryAcquire(): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    limiterInUse.set(this.used);
    return true;
  }

  tryAcquireNow(): boolean {
    return this.tryAcquire();
  }

  release(): void {
    if (this.used > 0) this.used--;
    limiterInUse.set(this.used);
  }

  inUse(): number {
    return this.used;
  }
}

/** Seconds a client turned away should wait: streams are long, but slots turn over quickly. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Takes a slot for one request and ties its release to the response: released exactly once, on
 * 'finish' (the response is handed to the kernel) or 'close' (the client went away first).
 * Returns false when the limit is reached.
 */
export async function holdSlot(limiter: ConnectionLimiter, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const granted = limiter.tryAcquire();
  const ok = granted === true || (granted !== false && (await granted));
  if (!ok) return false;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    res.off('finish', release);
    res.off('close', release);
    limiter.release();
  };
  // A client that left while an asynchronous grant was on its way never fires these events again.
  if (res.writableFinished || res.destroyed || req.socket?.destroyed) {
    release();
    return true;
  }
  res.once('finish', release);
  res.once('close', release);
  return true;
}

/**
 * An onRequest hook that turns the request away with 429 008 and Retry-After when every slot is
 * taken. Put it on each route that streams or stores a file (feature plugins included).
 */
export function limitConnections(limiter: ConnectionLimiter, guard?: TransferGuard) {
  return async function connectionLimitHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (guard) {
      if (!guard.admit(addressKeyOf(request.ip), reply.raw)) {
        limiterRejected.inc();
        throw tooManyRequests(RETRY_AFTER_SECONDS, `more than ${guard.maxPerAddress} requests in flight from your address: try again shortly`);
      }
      guard.watch(reply.raw, request.method !== 'GET' && request.method !== 'HEAD');
    }
    if (await holdSlot(limiter, request.raw, reply.raw)) return;
    limiterRejected.inc();
    throw tooManyRequests(RETRY_AFTER_SECONDS, `more than ${limiter.max} requests in flight: try again shortly`);
  };
}
