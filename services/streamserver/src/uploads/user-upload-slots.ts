import type { ServerResponse } from 'node:http';
import { tooManyRequests } from '@video/shared';

/**
 * Concurrent uploads per user in this process (upload_max_per_user; multipart and tus PATCH). A
 * slot is taken once the session is known and released exactly once: when the answer is about to
 * be sent (settle, from the app's onSend hook: the body has been read or refused by then), else
 * when the response ends or its client goes away. Waiting for the response's own events would let
 * a client that already has its answer find its slot still taken.
 */
export class UserUploadSlots {
  private readonly held = new Map<number, number>();
  private readonly releases = new WeakMap<ServerResponse, () => void>();
  constructor(readonly max: number) {}

  /** Takes a slot for `userId` tied to `res`, or throws 429 008 with Retry-After. */
  take(userId: number, res: ServerResponse): void {
    const n = this.held.get(userId) ?? 0;
    if (n >= this.max) throw tooManyRequests(5, `you have ${n} uploads in progress (at most ${this.max}): wait for one to finish`);
    this.held.set(userId, n + 1);
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left <= 0) this.held.delete(userId);
      else this.held.set(userId, left);
    };
    if (res.destroyed || res.writableFinished) return release();
    this.releases.set(res, release);
    res.once('finish', release);
    res.once('close', release);
  }

  /** Gives back the slot `res` holds, if any: its answer is decided. */
  settle(res: ServerResponse): void {
    const release = this.releases.get(res);
    if (release) {
      this.releases.delete(res);
      release();
    }
  }

  inUse(userId: number): number {
    return this.held.get(userId) ?? 0;
  }
}
