import { read, readSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/** 1 MiB reads: far fewer syscalls and event-loop turns than the 64 KiB default of streams. */
export const CHUNK = 1024 * 1024;
/** Chunks a response may hold at once: one being read while the one before is being written. */
const IN_FLIGHT = 2;
/**
 * A range this small is read synchronously and sent with its head in one write. A read from the page
 * cache of 64 KiB costs microseconds, less than a trip through the thread pool and another turn of
 * the event loop, and players ask for many small ranges. The price is a stalled event loop while a
 * cold read waits for the disk (nginx without aio makes the same trade); larger ranges never block.
 */
const SYNC_MAX = 128 * 1024;
/** Free chunks kept for reuse (32 MiB); more are left to the garbage collector. */
const POOL_MAX = 32;

/**
 * Reusable read buffers: 1 MiB ones for streamed ranges, SYNC_MAX ones for small ranges (so a
 * stalled client of a small range holds 128 KiB, not 1 MiB). A fresh buffer per read costs an
 * allocation outside V8's heap and page faults on first touch; a pooled one costs neither. A buffer
 * comes back only when the write holding it has completed (the kernel has copied it), so no response
 * ever sees another's bytes.
 */
class BufferPool {
  private readonly free: Buffer[] = [];
  constructor(
    private readonly size: number,
    private readonly keep: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buf: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buf);
  }
}
const chunks = new BufferPool(CHUNK, POOL_MAX);
const smalls = new BufferPool(SYNC_MAX, 8 * POOL_MAX);

/** Bytes read from files so far, by every response of this process (tests, back-pressure). */
export const rangeSenderStats = { bytesRead: 0 };

/**
 * Writes bytes `start`..`end` (inclusive) of the open descriptor `fd` as the body of `res`, whose
 * head is set but not yet sent, and ends it. Positional reads, so many responses share one
 * descriptor. Back-pressure: a response holds at most IN_FLIGHT chunks, and takes the next only
 * when the socket has accepted one, so a client that stops reading stops the reads. A client that
 * goes away stops them too. A read error or a file that got shorter destroys the response (its
 * length was promised in Content-Length).
 */
export function sendFileRange(res: ServerResponse, fd: number, start: number, end: number, onError: (err: Error) => void): void {
  if (end - start + 1 <= SYNC_MAX) sendSmallRange(res, fd, start, end, onError);
  else streamRange(res, fd, start, end, onError);
}

function fail(res: ServerResponse, err: Error, onError: (err: Error) => void): void {
  onError(err);
  res.destroy(err);
}

const shortFile = (at: number, end: number) => new Error(`the file ended at byte ${at}, before the ${end + 1} promised`);

/** A small range: one synchronous read into a pooled buffer, sent with the head in one write. */
function sendSmallRange(res: ServerResponse, fd: number, start: number, end: number, onError: (err: Error) => void): void {
  const buf = smalls.take();
  let bytes: number;
  try {
    bytes = readSync(fd, buf, 0, end - start + 1, start);
  } catch (err) {
    smalls.give(buf);
    fail(res, err as Error, onError);
    return;
  }
  rangeSenderStats.bytesRead += bytes;
  if (bytes < end - start + 1) {
    smalls.give(buf);
    fail(res, shortFile(start + bytes, end), onError);
    return;
  }
  res.end(buf.subarray(0, bytes), () => smalls.give(buf));
}

/** A large range: chunked positional reads, at most IN_FLIGHT chunks held, paced by the socket. */
function streamRange(res: ServerResponse, fd: number, start: number, end: number, onError: (err: Error) => void): void {
  let next = start;
  let held = 0;
  let reading = false;

  const pump = (): void => {
    while (!reading && held < IN_FLIGHT && next <= end && !res.destroyed) {
      reading = true;
      held++;
      const buf = chunks.take();
      const want = Math.min(CHUNK, end - next + 1);
      const at = next;
      read(fd, buf, 0, want, at, (err, bytes) => {
        reading = false;
        if (err || bytes === 0 || res.destroyed) {
          held--;
          chunks.give(buf);
          if (!res.destroyed) fail(res, err ?? shortFile(at, end), onError);
          return;
        }
        next = at + bytes;
        rangeSenderStats.bytesRead += bytes;
        const chunk = bytes === buf.length ? buf : buf.subarray(0, bytes);
        const done = () => {
          held--;
          chunks.give(buf);
          pump();
        };
        if (next > end) res.end(chunk, done);
        else {
          res.write(chunk, done);
          pump();
        }
      });
    }
  };
  pump();
}
