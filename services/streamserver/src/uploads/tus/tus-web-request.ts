import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

// The seam between Fastify and @tus/server, which speaks web Requests and Responses.

/** tus answers have no body (the status and headers say it all). */
export function sendEmpty(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).send();
}

const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

function firstValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

/**
 * The origin the client used, for Location: X-Forwarded-Host/-Proto when a proxy (the web) sets
 * them, else Host. A host that does not look like one gives a relative Location instead.
 */
export function publicOrigin(headers: IncomingHttpHeaders): string {
  const fwdHost = firstValue(headers['x-forwarded-host']);
  const host = fwdHost && HOST.test(fwdHost) ? fwdHost : firstValue(headers.host);
  if (!host || !HOST.test(host)) return '';
  const proto = firstValue(headers['x-forwarded-proto']);
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}

/** Headers @tus/server reads; everything else (cookies, the session) stays out of it. */
const PASSED = ['content-type', 'content-length', 'tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata', 'origin'];

/**
 * The request body as a web stream for @tus/server, buffering up to 1 MiB. Readable.toWeb queues one
 * chunk at a time, which cost more than half the throughput of a large PATCH; here the socket is
 * paused only when the buffer is full. A client that goes away errors the stream, so the store
 * keeps exactly the bytes that arrived.
 */
function requestBody(raw: Readable): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        raw.on('data', (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) raw.pause();
        });
        raw.once('end', () => controller.close());
        raw.once('error', (err) => controller.error(err));
        raw.once('close', () => {
          if (!raw.readableEnded) controller.error(new Error('the client went away mid-request'));
        });
        raw.pause();
      },
      pull() {
        raw.resume();
      },
      cancel(reason) {
        raw.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 1024 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/** The Fastify request as the web Request @tus/server handles; the body stays a stream. */
export function toWebRequest(request: FastifyRequest, basePath: string, id: string | undefined, withBody: boolean): Request {
  const headers = new Headers();
  for (const name of PASSED) {
    const v = request.headers[name];
    if (typeof v === 'string') headers.set(name, v);
  }
  const url = `http://localhost${basePath}${id ? `/${id}` : ''}`;
  if (!withBody) return new Request(url, { method: request.method, headers });
  return new Request(url, {
    method: request.method,
    headers,
    body: requestBody(request.raw),
    duplex: 'half',
  } as RequestInit);
}

/** The tus response headers worth passing on (CORS and connection headers are not). */
const KEPT = [
  'location',
  'upload-offset',
  'upload-length',
  'upload-expires',
  'upload-metadata',
  'tus-version',
  'tus-extension',
  'tus-max-size',
  'cache-control',
];

/** A successful tus answer as ours: its protocol headers, no body. */
export function sendTus(reply: FastifyReply, res: Response): FastifyReply {
  for (const name of KEPT) {
    const v = res.headers.get(name);
    if (v !== null) reply.header(name, v);
  }
  return sendEmpty(reply, res.status);
}
