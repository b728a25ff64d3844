import { close, fdatasync, fsync, open, writev } from 'node:fs';
import { Writable } from 'node:stream';

/** Bytes written between two early flushes of the data already written. */
export const EARLY_SYNC_BYTES = 32 * 1024 * 1024;

/**
 * A new file that ends durably: like createWriteStream(path, { flags: 'wx', flush: true }), but it
 * asks the disk to start writing back every EARLY_SYNC_BYTES (fdatasync, without waiting) while the
 * rest of the upload is still arriving, so the closing fsync has only the tail left to do, instead of
 * the whole file after the last byte. Queued chunks go out in one writev. The descriptor is closed
 * only after every write and sync on it has returned, so no late call can reach a reused number.
 */
export class FileSink extends Writable {
  private fd: number | undefined;
  private sinceSync = 0;
  private syncing = false;
  /** Calls on the descriptor in flight (writes, syncs), and who waits for them all to return. */
  private inFlight = 0;
  private idle: Array<() => void> = [];
  bytesWritten = 0;

  constructor(
    private readonly file: string,
    highWaterMark: number,
  ) {
    super({ highWaterMark, decodeStrings: true });
  }

  override _construct(cb: (err?: Error | null) => void): void {
    open(this.file, 'wx', 0o644, (err, fd) => {
      if (err) return cb(err);
      this.fd = fd;
      cb();
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this._writev([{ chunk }], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    const fd = this.fd as number;
    const writeAll = (list: Buffer[]): void => {
      this.opStarted();
      writev(fd, list, (err, written) => {
        this.opDone();
        if (err) return cb(err);
        this.bytesWritten += written;
        this.sinceSync += written;
        // A short write (rare, but allowed): the rest goes again.
        let rest = written;
        const left: Buffer[] = [];
        for (const b of list) {
          if (rest >= b.length) rest -= b.length;
          else {
            left.push(rest > 0 ? b.subarray(rest) : b);
            rest = 0;
          }
        }
        if (left.length > 0) return writeAll(left);
        if (this.sinceSync >= EARLY_SYNC_BYTES && !this.syncing) {
          this.sinceSync = 0;
          this.syncing = true;
          this.opStarted();
          // Only a head start for the final fsync, whose error is the one that counts.
          fdatasync(fd, () => {
            this.syncing = false;
            this.opDone();
          });
        }
        cb();
      });
    };
    writeAll(buffers);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const fd = this.fd as number;
    this.whenIdle(() => {
      this.opStarted();
      fsync(fd, (err) => {
        this.opDone();
        cb(err);
      });
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return cb(err);
    this.whenIdle(() => close(fd, (closeErr) => cb(err ?? closeErr)));
  }

  private opStarted(): void {
    this.inFlight++;
  }

  private opDone(): void {
    if (--this.inFlight === 0) for (const f of this.idle.splice(0)) f();
  }

  private whenIdle(f: () => void): void {
    if (this.inFlight === 0) f();
    else this.idle.push(f);
  }
}
