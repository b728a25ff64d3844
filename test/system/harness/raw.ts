import net from 'node:net';

export interface RawResponse {
  /** 0 when the server closed without a status line. */
  status: number;
  head: string;
  body: Buffer;
  /** Time to the status line (or to the close when there was none). */
  ms: number;
  /** The server closed or reset the connection. */
  closed: boolean;
  timedOut: boolean;
}

/**
 * Sends bytes exactly as given (for requests no HTTP client would produce) and reads until the
 * server closes, a whole response has arrived, or the time runs out.
 */
export function rawRequest(
  port: number,
  chunks: (string | Buffer)[] | string | Buffer,
  options: { timeoutMs?: number; gapMs?: number } = {},
): Promise<RawResponse> {
  const parts = Array.isArray(chunks) ? chunks : [chunks];
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let statusAt = 0;
    let done = false;
    const finish = (closed: boolean, timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(received);
      const split = all.indexOf('\r\n\r\n');
      const head = split >= 0 ? all.subarray(0, split).toString('latin1') : all.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({
        status: m ? Number(m[1]) : 0,
        head,
        body: split >= 0 ? all.subarray(split + 4) : Buffer.alloc(0),
        ms: (statusAt || performance.now()) - started,
        closed,
        timedOut,
      });
    };
    const timer = setTimeout(() => finish(false, true), options.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (!statusAt) statusAt = performance.now();
      const all = Buffer.concat(received);
      const split = all.indexOf('\r\n\r\n');
      if (split >= 0) {
        const head = all.subarray(0, split).toString('latin1');
        const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (len && all.length - split - 4 >= Number(len[1])) finish(false, false);
        else if (/^HTTP\/1\.[01] (1\d\d|204|304)/.test(head)) finish(false, false);
        else if (/\r\ntransfer-encoding:\s*chunked/i.test(head) && all.subarray(-5).toString('latin1') === '0\r\n\r\n') {
          finish(false, false);
        }
      }
    });
    socket.on('close', () => finish(true, false));
    socket.on('error', () => finish(true, false));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (done || socket.destroyed) return;
        socket.write(part);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    });
  });
}

/**
 * A download that takes a limiter slot and then reads nothing, so the server cannot finish it:
 * `status` resolves with the status line; `abort()` drops the connection (optionally after
 * reading some of the body first, as a viewer who skips away does).
 */
export class StalledRequest {
  readonly socket: net.Socket;
  readonly status: Promise<{ status: number; ms: number; head: string }>;
  private received: Buffer[] = [];

  constructor(port: number, request: string | Buffer, timeoutMs = 10_000) {
    const started = performance.now();
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('error', () => undefined);
    this.status = new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ status: -1, ms: performance.now() - started, head: '' }), timeoutMs);
      const onData = (d: Buffer) => {
        this.received.push(d);
        const all = Buffer.concat(this.received);
        const split = all.indexOf('\r\n\r\n');
        if (split < 0) return;
        clearTimeout(timer);
        this.socket.off('data', onData);
        // Stop reading: back-pressure now reaches the server once the socket buffers fill.
        this.socket.pause();
        const head = all.subarray(0, split).toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        resolve({ status: m ? Number(m[1]) : 0, ms: performance.now() - started, head });
      };
      this.socket.on('data', onData);
      this.socket.on('close', () => {
        clearTimeout(timer);
        resolve({ status: 0, ms: performance.now() - started, head: '' });
      });
    });
    this.socket.on('connect', () => this.socket.write(request));
  }

  /** Reads `bytes` more of the body (bounded in time), then destroys the connection. */
  async abort(bytes = 0): Promise<void> {
    if (bytes > 0 && !this.socket.destroyed) {
      await new Promise<void>((resolve) => {
        let got = 0;
        const timer = setTimeout(resolve, 3000);
        this.socket.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= bytes) {
            clearTimeout(timer);
            resolve();
          }
        });
        this.socket.resume();
      });
    }
    this.socket.destroy();
  }
}

export function getRequest(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`;
}

/**
 * Slow-loris clients: connections that send a request line and then one header byte every 500 ms,
 * never finishing the headers. The server's headersTimeout must close them; `closed()` counts
 * those it has. Bounded: the trickle stops after `maxMs` and `destroy()` drops whatever is left.
 */
export class SlowLoris {
  readonly sockets: net.Socket[] = [];
  private readonly closedSet = new Set<net.Socket>();
  private readonly timer: NodeJS.Timeout;
  readonly started = Date.now();

  constructor(ports: number[], perPort: number, maxMs = 150_000) {
    for (const port of ports) {
      for (let i = 0; i < perPort; i++) {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('error', () => undefined);
        s.on('close', () => this.closedSet.add(s));
        s.resume();
        s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
        this.sockets.push(s);
      }
    }
    this.timer = setInterval(() => {
      for (const s of this.sockets) if (!this.stalled.includes(s) && !s.destroyed && s.writable) s.write('a');
      if (Date.now() - this.started > maxMs) clearInterval(this.timer);
    }, 500);
    this.timer.unref();
  }

  /** Also holds `count` uploads whose headers and first bytes arrive, after which nothing more does. */
  stallBodies(port: number, request: Buffer, count: number): void {
    for (let i = 0; i < count; i++) {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      s.on('close', () => this.closedSet.add(s));
      s.resume();
      s.on('connect', () => s.write(request));
      this.stalled.push(s);
      this.sockets.push(s);
    }
  }

  readonly stalled: net.Socket[] = [];

  get open(): number {
    return this.sockets.length - this.closedSet.size;
  }

  get openStalledBodies(): number {
    return this.stalled.filter((s) => !this.closedSet.has(s)).length;
  }

  destroy(): void {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
  }
}

/**
 * Sends `first` (whole, body included) and then `second` on ONE keep-alive connection, as a browser
 * reuses its connections, and returns the status lines of both answers ('' when none came in time).
 */
export async function twoOnOneConnection(
  port: number,
  first: Buffer,
  second: string,
  timeoutMs = 5000,
): Promise<{ first: string; second: string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  let text = '';
  let closedByServer = false;
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  socket.on('end', () => {
    closedByServer = true;
  });
  await new Promise((r) => socket.once('connect', r));
  // The body goes out in 64 KB pieces a few ms apart, as over a real link, so the server answers
  // (or fails) while most of it is still on its way.
  const sendDeadline = Date.now() + timeoutMs;
  for (let off = 0; off < first.length && Date.now() < sendDeadline && !socket.destroyed; off += 65536) {
    if (!socket.write(first.subarray(off, off + 65536))) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), new Promise((r) => setTimeout(r, timeoutMs))]);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const waitFor = async (n: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length < n && !closedByServer) {
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor(1);
  await new Promise((r) => setTimeout(r, 200));
  if (!socket.destroyed && !closedByServer) socket.write(second);
  await waitFor(2);
  socket.destroy();
  const lines = text.match(/HTTP\/1\.1 \d{3}[^\r]*/g) ?? [];
  return { first: lines[0] ?? '', second: lines[1] ?? (closedByServer && lines.length === 1 ? 'closed' : '') };
}
