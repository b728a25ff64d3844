import { createReadStream, read } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { notFound, preconditionFailed, rangeNotSatisfiable, type Config } from '@video/shared';
import { parseBytesRange, preferWholeFile, type ByteRange } from '../lib/byte-range.js';
import { limitConnections, type ConnectionLimiter } from '../lib/connection-limiter.js';
import type { TransferGuard } from '../lib/transfer-guard.js';
import { countStreamed, FALLBACK_TYPE, VIDEOS_ROUTE as ROUTE } from '../lib/fast-path.js';
import type { OpenFileCache, OpenVideoFile } from '../lib/open-file-cache.js';
import { evaluatePreconditions, ifRangeAllows } from '../lib/preconditions.js';
import { CHUNK, sendFileRange } from '../lib/range-sender.js';
import type { VideoRowCache } from '../lib/video-row-cache.js';
import { ErrorSchema, VideoParamsSchema } from '../schemas.js';

export interface VideosRouteOptions {
  config: Config;
  limiter: ConnectionLimiter;
  files: OpenFileCache;
  rows: VideoRowCache;
  guard?: TransferGuard;
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

async function* multipartBody(file: OpenVideoFile, ranges: ByteRange[], heads: Buffer[], tail: Buffer) {
  for (let i = 0; i < ranges.length; i++) {
    yield heads[i];
    yield* rangeStream(file, ranges[i].start, ranges[i].end);
  }
  yield tail;
}

export const videosRoute: FastifyPluginAsyncTypebox<VideosRouteOptions> = async (app, opts) => {
  const { config, files, rows } = opts;

  /** The body is one byte range of the file, or a stream (multipart), or nothing (HEAD, 304). */
  function sendBody(reply: FastifyReply, file: OpenVideoFile, body: Readable | ByteRange | undefined) {
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
    const failed = (err: Error) => reply.log.warn({ err }, 'streaming a video failed');
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
    res.once('close', () => {
      // A client that went away stops the read and frees the descriptor reference.
      if (body instanceof Readable && !body.destroyed) body.destroy();
      files.release(file);
      countStreamed(reply.request.method, res.statusCode, started);
    });
    return reply;
  }

  app.route({
    method: ['GET', 'HEAD'],
    url: ROUTE,
    schema: {
      params: VideoParamsSchema,
      response: { '4xx': ErrorSchema, '5xx': ErrorSchema },
    },
    onRequest: limitConnections(opts.limiter, opts.guard),
    handler: async (request, reply) => {
      const id = request.params.vid;
      const video = await rows.get(id);
      if (!video) throw notFound('no such video');
      if (config.storage_type === 'oss') return reply.redirect(config.oss_url + id, 302);
      const file = files.acquire(id);
      if (!file) throw notFound('the video has no file yet');
      const head = request.method === 'HEAD';
      const size = file.size;
      reply.header('accept-ranges', 'bytes').header('etag', file.etag).header('last-modified', file.lastModified);

      const pre = evaluatePreconditions(request.headers, file);
      if (pre === 304) return sendBody(reply.code(304), file, undefined);
      if (pre === 412) {
        files.release(file);
        throw preconditionFailed('a precondition failed: the file has changed');
      }

      const contentType = video.content_type ?? FALLBACK_TYPE;
      const rangeHeader = request.headers.range;
      const parsed = rangeHeader !== undefined && ifRangeAllows(request.headers, file) ? parseBytesRange(size, rangeHeader) : undefined;
      if (parsed?.type === 'unsatisfiable') {
        files.release(file);
        throw rangeNotSatisfiable(size);
      }

      if (parsed?.type === 'ranges' && parsed.ranges.length === 1) {
        const { start, end } = parsed.ranges[0];
        reply
          .code(206)
          .header('content-type', contentType)
          .header('content-range', `bytes ${start}-${end}/${size}`)
          .header('content-length', end - start + 1);
        return sendBody(reply, file, head ? undefined : { start, end });
      }

      if (parsed?.type === 'ranges' && !preferWholeFile(size, parsed.ranges)) {
        const boundary = randomBytes(12).toString('hex');
        const heads = parsed.ranges.map((r, i) =>
          Buffer.from(
            `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
          ),
        );
        const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
        let length = tail.length;
        for (let i = 0; i < heads.length; i++) length += heads[i].length + parsed.ranges[i].end - parsed.ranges[i].start + 1;
        reply
          .code(206)
          .header('content-type', `multipart/byteranges; boundary=${boundary}`)
          .header('content-length', length);
        return sendBody(
          reply,
          file,
          head ? undefined : Readable.from(multipartBody(file, parsed.ranges, heads, tail), { objectMode: false }),
        );
      }

      reply.code(200).header('content-type', contentType).header('content-length', size);
      return sendBody(reply, file, head || size === 0 ? undefined : { start: 0, end: size - 1 });
    },
  });
};
