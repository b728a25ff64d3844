import type { ServerResponse } from 'node:http';
import { tooManyRequests } from '@video/shared';

/**
 * Concurrent uploads per user in this process (upload_max_per_user; multipart and tus PATCH). A
 * slot is taken once the session is known and released exactly once when the response ends or its
 * client goes away.
 */
export class UserUploadSlots {
  private readonly held = new Map<number, number>();
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
    res.once('finish', release);
    res.once('close', release);
  }

  inUse(userId: number): number {
    return this.held.get(userId) ?? 0;
  }
}
