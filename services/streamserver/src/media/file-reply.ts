import { createReadStream, read } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { CHUNK, planGet, sendFileRange, type BodyPart, type ByteRange, type OpenFileCache, type OpenVideoFile, type PlanHeaders } from '@video/shared/files';
import { countStreamed } from './fast-path.js';
import { accelHeaders, type AccelRedirect } from './accel-redirect.js';

/** Where nginx may send the file from instead (stream_accel_redirect_prefix): the file's name under video_dir. */
export interface AccelOption {
  accel: AccelRedirect | undefined;
  name: string;
}

/**
 * The descriptor is shared by every response about the file, so a stream must never close it,
 * not even when its client aborts (createReadStream's destroy closes `fd` whatever autoClose says).
 */
const sharedFdFs = { read, close: (_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => cb(null) };

function rangeStream(file: OpenVideoFile, start: number, end: number): Readable {
  // @types/node lacks the `fs` option; it exists since Node 13.
  return createReadStream('', { fd: file.fd, fs: sharedFdFs, start, end, highWaterMark: CHUNK, autoClose: false } as never);
}

async function* multipartBody(file: OpenVideoFile, parts: BodyPart[], tail: Buffer) {
  for (const part of parts) {
    yield part.head;
    yield* rangeStream(file, part.range.start, part.range.end);
  }
  yield tail;
}

/**
 * Answers a GET or HEAD with a file taken from `files` (acquire), and gives the file back when the
 * response ends: ranges, conditionals, 412 and 416 as planGet decides. `extra` headers (say,
 * Cache-Control) go on every answer but the errors.
 */
export function replyWithFile(files: OpenFileCache, reply: FastifyReply, file: OpenVideoFile, contentType: string, extra: PlanHeaders = {}, accel?: AccelOption) {
  const { method, headers } = reply.request;
  const plan = planGet({ method, headers, file, contentType });
  reply.headers(plan.headers);
  if (plan.kind === 'error') {
    files.release(file);
    throw plan.error;
  }
  reply.headers(extra);
  const accelUri = accel?.accel?.target(reply.request.raw, plan, accel.name);
  if (accelUri !== undefined) {
    files.release(file);
    const out = accelHeaders(reply.getHeaders() as OutgoingHttpHeaders, accelUri);
    for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
    return reply.code(200).headers(out).send();
  }
  reply.code(plan.status);
  if (plan.kind === 'not-modified') return sendBody(files, reply, file, undefined);
  if (plan.kind === 'bytes') return sendBody(files, reply, file, plan.body);
  return sendBody(files, reply, file, plan.tail && Readable.from(multipartBody(file, plan.parts, plan.tail), { objectMode: false }));
}

/** The body is one byte range of the file, or a stream (multipart), or nothing (HEAD, 304). */
function sendBody(files: OpenFileCache, reply: FastifyReply, file: OpenVideoFile, body: Readable | ByteRange | undefined) {
  if (!body) {
    files.release(file);
    return reply.send();
  }
  // The body goes straight to the socket: Fastify's stream path measured several times slower
  // per byte. Hijacked replies skip onResponse, so they are counted here instead.
  reply.hijack();
  const res = reply.raw;
  const started = process.hrtime.bigint();
  res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  const failed = (err: Error) => reply.log.warn({ err }, 'streaming a file failed');
  if (body instanceof Readable) {
    // pipe() rather than pipeline(): pipeline makes an AbortController per call and aborts it at
    // the end, and building that DOMException (with its stack) cost more than a 64 KiB range.
    body.pipe(res);
    body.once('error', (err) => {
      failed(err);
      res.destroy(err);
    });
  } else {
    sendFileRange(res, file.fd, body.start, body.end, failed);
  }
  const route = reply.request.routeOptions.url ?? '';
  res.once('close', () => {
    // A client that went away stops the read and frees the descriptor reference.
    if (body instanceof Readable && !body.destroyed) body.destroy();
    files.release(file);
    countStreamed(reply.request.method, res.statusCode, started, route);
  });
  return reply;
}
