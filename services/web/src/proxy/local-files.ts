import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { isVideoId } from '@video/shared/contract';
import { MEDIA_DIR } from '@video/shared/media-layout';
import { OpenFileCache, planGet, sendFileRange, type OpenVideoFile } from '@video/shared/files';

/** How long a file's stat is trusted between requests (the stream server's fast path trusts it as long). */
const FILE_RECHECK_MS = 1000;
/** Descriptors nobody asked for in this long are closed (the folders under .media have no watch). */
const IDLE_MS = 30_000;
/** A generation folder and a derived file's name, as media-layout.ts spells them: no dots but the extension's. */
const GENERATION = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const DERIVED_FILE = /^[a-z0-9][a-z0-9_-]{0,31}\.[a-z0-9]{2,5}$/;
/** Headers the web makes itself from the file and the client's Range, as nginx would. */
const OWN = new Set(['content-length', 'content-range', 'last-modified', 'x-accel-redirect']);

/**
 * What became of an X-Accel-Redirect answer: the file was sent; or it is not here (deleted or moved
 * since, a different file under the name, a disk the web does not share), so the stream server must
 * answer once more without X-Accel; or the answer named something the web must not read.
 */
export type LocalOutcome = { kind: 'sent' } | { kind: 'missing' } | { kind: 'fault'; err: Error };

/**
 * The web's stand-in for nginx's `/_accel/` location when it shares the stream server's disk
 * (web_serve_local_files): the stream server has made every decision (privacy, generation, 404,
 * limiters, 304/412/416) and named the file; the web sends it from its own video_dir the way the
 * stream server's fast path does — one shared descriptor per file, its stat trusted for a second,
 * pooled 1 MiB reads, a small range read at once and sent with the head — with the headers the
 * stream server would have sent with the bytes.
 */
export class LocalFiles {
  /** Answers sent from a local file so far. */
  sent = 0;
  private readonly files: OpenFileCache;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly prefix: string,
    videoDir: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.files = new OpenFileCache(videoDir);
    this.files.watch(() => undefined);
    this.sweep = setInterval(() => this.files.closeIdle(IDLE_MS), IDLE_MS).unref();
  }

  /** The file's name under video_dir that an X-Accel-Redirect value names, or undefined when it is not a file the stream server names. */
  nameOf(uri: unknown): string | undefined {
    if (typeof uri !== 'string' || !uri.startsWith(`${this.prefix}/`)) return undefined;
    const name = uri.slice(this.prefix.length + 1);
    const parts = name.split('/');
    if (parts.length === 1) return isVideoId(name) ? name : undefined;
    if (parts.length !== 4 || parts[0] !== MEDIA_DIR) return undefined;
    return isVideoId(parts[1]) && GENERATION.test(parts[2]) && DERIVED_FILE.test(parts[3]) ? name : undefined;
  }

  /**
   * Answers `req` with the file an X-Accel-Redirect answer (`upstream`, its headers) names.
   * `finish` adds the web's own answer headers (X-Request-Id, HSTS) and drops the hop's.
   */
  send(req: IncomingMessage, res: ServerResponse, upstream: IncomingHttpHeaders, finish: (h: IncomingHttpHeaders) => OutgoingHttpHeaders, reqId: string): LocalOutcome {
    const name = this.nameOf(upstream['x-accel-redirect']);
    if (name === undefined) return { kind: 'fault', err: new Error(`the stream service named a file outside video_dir: ${JSON.stringify(upstream['x-accel-redirect'])}`) };
    let file: OpenVideoFile | undefined;
    try {
      file = this.acquire(name, upstream.etag);
    } catch (err) {
      return { kind: 'fault', err: err as Error };
    }
    if (!file) return { kind: 'missing' };
    const contentType = typeof upstream['content-type'] === 'string' ? upstream['content-type'] : 'application/octet-stream';
    const plan = planGet({ method: 'GET', headers: req.headers, file, contentType });
    // The stream server answers X-Accel only for a plain 200 or one range: anything else is its to answer.
    if (plan.kind !== 'bytes' || plan.ranges > 1) {
      this.files.release(file);
      return { kind: 'missing' };
    }
    const held = file;
    this.sent++;
    res.once('close', () => this.files.release(held));
    res.writeHead(plan.status, finish(withFileHeaders(upstream, plan.headers)));
    const body = plan.body;
    if (!body) res.end();
    else sendFileRange(res, held.fd, body.start, body.end, (err) => this.log.warn({ err, reqId }, 'sending a local file failed'));
    return { kind: 'sent' };
  }

  close(): void {
    clearInterval(this.sweep);
    this.files.unwatch();
    this.files.clear();
  }

  /** The file under `name` if it is the one the stream server answered for (same ETag), asked again once without the stat trust. */
  private acquire(name: string, etag: string | undefined): OpenVideoFile | undefined {
    for (const trustMs of [FILE_RECHECK_MS, 0]) {
      const file = this.files.acquire(name, trustMs);
      if (!file) return undefined;
      if (file.etag === etag) return file;
      this.files.release(file);
    }
    return undefined;
  }
}

/**
 * The stream server's X-Accel answer with the headers of the bytes put back where its own answer
 * carries them (Last-Modified after ETag, Content-Range and Content-Length after Content-Type), so
 * the client gets the same headers in the same order as without X-Accel.
 */
function withFileHeaders(upstream: IncomingHttpHeaders, own: Record<string, string | number>): IncomingHttpHeaders {
  const out: Record<string, string | string[] | number | undefined> = {};
  for (const name in upstream) {
    if (OWN.has(name)) continue;
    out[name] = upstream[name];
    if (name === 'etag') out['last-modified'] = own['last-modified'];
    if (name === 'content-type') {
      if (own['content-range'] !== undefined) out['content-range'] = own['content-range'];
      out['content-length'] = own['content-length'];
    }
  }
  out['content-length'] ??= own['content-length'];
  out['last-modified'] ??= own['last-modified'];
  return out as IncomingHttpHeaders;
}
