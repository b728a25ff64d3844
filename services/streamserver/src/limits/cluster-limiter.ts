import type { Worker } from 'node:cluster';
import { limiterInUse } from '@video/shared';
import type { ConnectionLimiter } from './connection-limiter.js';

/**
 * One global limit across node:cluster workers. The primary owns the count; each worker borrows
 * slots from it and keeps at most `spare` unused ones, so most requests need no IPC round trip.
 * The sum of slots lent never exceeds the limit, so the server never serves more than
 * stream_max_connections at once; near the limit a worker may say 429 while another worker still
 * holds up to `spare` idle slots (at most (workers - 1) × spare early rejections).
 */

type ToPrimary = { t: 'limit:borrow'; seq: number; want: number } | { t: 'limit:return'; n: number };
type ToWorker = { t: 'limit:lent'; seq: number; n: number };

function isMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}

/** How many idle slots a worker may keep: none for small limits, so small limits stay exact. */
export function spareSlots(max: number, workers: number): number {
  return Math.min(8, Math.floor(max / (workers * 8)));
}

/** The primary's side: lends slots to workers and takes back those of a worker that died. */
export class LimitBroker {
  private lent = 0;
  private readonly perWorker = new Map<number, number>();

  constructor(readonly max: number) {}

  attach(worker: Worker): void {
    this.perWorker.set(worker.id, 0);
    worker.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      const msg = m as ToPrimary;
      if (msg.t === 'limit:borrow') {
        const n = Math.max(0, Math.min(msg.want, this.max - this.lent));
        this.lent += n;
        this.perWorker.set(worker.id, (this.perWorker.get(worker.id) ?? 0) + n);
        limiterInUse.set(this.lent);
        const reply: ToWorker = { t: 'limit:lent', seq: msg.seq, n };
        if (worker.isConnected()) worker.send(reply);
        else this.giveBack(worker.id, n);
      } else if (msg.t === 'limit:return') {
        this.giveBack(worker.id, msg.n);
      }
    });
    worker.on('exit', () => {
      this.giveBack(worker.id, this.perWorker.get(worker.id) ?? 0);
      this.perWorker.delete(worker.id);
    });
  }

  inUse(): number {
    return this.lent;
  }

  private giveBack(workerId: number, n: number): void {
    const had = this.perWorker.get(workerId) ?? 0;
    const back = Math.min(had, Math.max(0, n));
    this.perWorker.set(workerId, had - back);
    this.lent -= back;
    limiterInUse.set(this.lent);
  }
}

/** A worker's side: serves from borrowed slots, asks the primary when it has none left. */
export class ClusterLimiter implements ConnectionLimiter {
  private held = 0;
  private owned = 0;
  private seq = 0;
  private readonly waiting = new Map<number, (n: number) => void>();

  constructor(
    readonly max: number,
    private readonly spare: number,
    private readonly channel: NodeJS.Process = process,
  ) {
    channel.on('message', (m: unknown) => {
      if (!isMessage(m) || m.t !== 'limit:lent') return;
      const msg = m as ToWorker;
      const resolve = this.waiting.get(msg.seq);
      this.waiting.delete(msg.seq);
      if (resolve) resolve(msg.n);
      else this.giveBack(msg.n);
    });
  }

  tryAcquire(): boolean | Promise<boolean> {
    if (this.held < this.owned) {
      this.held++;
      return true;
    }
    const seq = ++this.seq;
    // Only the first of concurrent borrowers asks for spare slots; the others share what arrives.
    const want = this.waiting.size === 0 ? 1 + this.spare : 1;
    return new Promise<boolean>((resolve) => {
      this.waiting.set(seq, (n) => {
        this.owned += n;
        const ok = this.held < this.owned;
        if (ok) this.held++;
        this.trim();
        resolve(ok);
      });
      this.channel.send?.({ t: 'limit:borrow', seq, want } satisfies ToPrimary);
    });
  }

  tryAcquireNow(): boolean {
    if (this.held >= this.owned) return false;
    this.held++;
    return true;
  }

  release(): void {
    if (this.held > 0) this.held--;
    this.trim();
  }

  inUse(): number {
    return this.held;
  }

  private trim(): void {
    // Slots that waiting borrowers are about to need are not spare.
    const idle = this.owned - this.held - this.waiting.size;
    if (idle > this.spare) this.giveBack(idle - this.spare);
  }

  private giveBack(n: number): void {
    if (n <= 0) return;
    this.owned -= Math.min(n, this.owned);
    this.channel.send?.({ t: 'limit:return', n } satisfies ToPrimary);
  }
}
