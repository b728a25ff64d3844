import type { ServerResponse } from 'node:http';

/**
 * The web holds at most `max` stream-server requests at once, as many as the stream server serves
 * (stream_max_connections). One more would wait in the web's queue behind a slow viewer, so it gets
 * the stream server's own answer at once instead: 429 008 with Retry-After (proxy-plugin). The
 * general proxy and the video pass-through share one count.
 */
export class StreamSlots {
  private inUse = 0;

  constructor(readonly max: number) {}

  /** Takes a slot until `res` closes; false when none is free. */
  tryTake(res: ServerResponse): boolean {
    if (this.inUse >= this.max) return false;
    this.inUse++;
    res.once('close', () => this.inUse--);
    return true;
  }

  get used(): number {
    return this.inUse;
  }
}
