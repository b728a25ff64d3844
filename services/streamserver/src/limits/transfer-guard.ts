import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
// Fastify's own dependency: the same trust rules as request.ip, for the fast path that skips Fastify.
import proxyAddr from '@fastify/proxy-addr';

/** The key a client address is counted under: IPv4 as is, IPv6 by its /64 (one host owns a /64). */
export function addressKey(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

interface Transfer {
  res: ServerResponse;
  up: boolean;
  started: number;
  lastBytes: number;
  lastAt: number;
}

/**
 * Per-address concurrency (stream_max_per_address) and a minimum transfer rate (min_transfer_kbps
 * after min_transfer_grace_seconds) for downloads and uploads. One interval sweeps every active
 * transfer; a request adds itself to a set and leaves it when its response ends, so nothing per
 * request is scheduled. A transfer below the rate is cut off (its socket destroyed), which ends its
 * response and frees its slots.
 */
export class TransferGuard {
  private readonly perAddress = new Map<string, number>();
  private readonly active = new Set<Transfer>();
  private readonly trust: (addr: string, i: number) => boolean;
  private timer: NodeJS.Timeout | undefined;
  private readonly minBytesPerSecond: number;
  cutOff = 0;

  constructor(
    readonly maxPerAddress: number,
    minKbps: number,
    private readonly graceMs: number,
    trustedProxies: string[],
    private readonly sweepMs = 1000,
  ) {
    this.minBytesPerSecond = minKbps * 1024;
    this.trust = proxyAddr.compile(trustedProxies);
  }

  /** The client address as request.ip sees it (first untrusted hop), keyed. */
  keyOf(req: IncomingMessage): string {
    return addressKey(req.headers['x-forwarded-for'] === undefined ? (req.socket.remoteAddress ?? '') : proxyAddr(req, this.trust));
  }

  /** Counts one request of `key` until `res` ends; false (nothing counted) when the address is at its cap. */
  admit(key: string, res: ServerResponse): boolean {
    const n = this.perAddress.get(key) ?? 0;
    if (n >= this.maxPerAddress) return false;
    this.perAddress.set(key, n + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = (this.perAddress.get(key) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(key);
      else this.perAddress.set(key, left);
    };
    res.once('finish', release);
    res.once('close', release);
    if (res.destroyed || res.writableFinished) release();
    return true;
  }

  inUse(key: string): number {
    return this.perAddress.get(key) ?? 0;
  }

  /** Holds the transfer on `res` to the minimum rate: bytes sent (download) or received (upload). */
  watch(res: ServerResponse, up: boolean): void {
    if (this.minBytesPerSecond === 0) return;
    const now = Date.now();
    const t: Transfer = { res, up, started: now, lastBytes: this.bytes(res, up), lastAt: now };
    this.active.add(t);
    const leave = () => this.active.delete(t);
    res.once('finish', leave);
    res.once('close', leave);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.sweepMs);
      this.timer.unref();
    }
  }

  private bytes(res: ServerResponse, up: boolean): number {
    const socket = res.socket ?? res.req.socket;
    if (!socket) return 0;
    // bytesWritten counts what still waits in the socket's own buffer: take that off.
    return up ? socket.bytesRead : socket.bytesWritten - socket.writableLength;
  }

  private sweep(): void {
    if (this.active.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const t of this.active) {
      const bytes = this.bytes(t.res, t.up);
      if (now - t.started < this.graceMs) {
        // Still in its grace period: the first window measured starts at its end.
        t.lastBytes = bytes;
        t.lastAt = now;
        continue;
      }
      const seconds = (now - t.lastAt) / 1000;
      if (seconds > 0 && (bytes - t.lastBytes) / seconds < this.minBytesPerSecond) {
        // An upload's request is still being read; a download waits on the reader: end both.
        this.active.delete(t);
        this.cutOff++;
        (t.res.socket ?? t.res.req.socket)?.destroy();
        continue;
      }
      t.lastBytes = bytes;
      t.lastAt = now;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
