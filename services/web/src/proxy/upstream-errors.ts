import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { payloadTooLarge, unavailable } from '@video/shared/contract';

/** Any failure to reach an upstream is the contract's 503 011, never a hang or a bare 500. */
export function onProxyError(name: string) {
  return (reply: FastifyReply, { error }: { error: Error & { cause?: unknown } }) => {
    if (reply.sent || reply.raw.headersSent) {
      reply.request.log.warn({ err: error.cause ?? error, upstream: name }, 'upstream failed mid-answer');
      reply.raw.destroy();
      return;
    }
    if (overLimit.has(reply.request.raw)) {
      reply.code(413).send(payloadTooLarge(tooLargeMessage(name)).toBody());
      return;
    }
    reply.request.log.warn({ err: error.cause ?? error, upstream: name }, 'upstream unavailable');
    // The client may still be sending a body nobody will read (an upload): see lingerOnEarlyAnswer.
    reply
      .code(503)
      .header('content-type', 'application/json; charset=utf-8')
      .header('retry-after', '5')
      .send(unavailable(`the ${name} service is unavailable, try again shortly`).toBody());
  };
}

/** How long the rest of an unread request body is drained after an early answer before the web hangs up. */
export const LINGER_MS = 5000;

/**
 * An answer sent while the client is still sending its body (a refused or failed upload). Closing the
 * socket at once would leave unread bytes in the kernel, so it would send a reset that can destroy
 * the answer before the client reads it: the browser would show "connection reset" instead of the
 * 503 or 413. So the connection stays open, Node discards the rest of the body, and the next request
 * on it is answered as usual; a client still sending after LINGER_MS is cut off, by which time it has
 * long had the answer (nginx's lingering close, for the same reason).
 */
export function lingerOnEarlyAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void): void {
  const raw = request.raw;
  if (!raw.complete && !raw.destroyed) {
    // reply-from asks for a close when an upstream answers early; the drain makes that unnecessary.
    if (String(reply.getHeader('connection') ?? '').toLowerCase() === 'close') reply.removeHeader('connection');
    const socket = raw.socket;
    const timer = setTimeout(() => {
      if (!raw.complete) socket.destroy();
    }, LINGER_MS);
    timer.unref();
    raw.once('end', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    // Node only discards a body nobody began to read; this one went (in part) to the upstream.
    reply.raw.once('finish', () => {
      if (!raw.complete && !raw.destroyed) {
        raw.unpipe();
        raw.resume();
      }
    });
  }
  done(null, payload);
}

/**
 * The upstream client gets a stand-in for the request body, never the client's request itself: when it
 * gives up (an upstream that refuses connections) it destroys the body it was given, and destroying
 * Node's request destroys the client's socket, often before the 503 has reached the client. A client
 * that goes away still aborts the upstream request, through the stand-in.
 */
export function shieldRequestBody(bodyLimit: number) {
  return (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    const raw = request.raw;
    if (request.body === raw && !raw.complete) {
      const body = new PassThrough({ highWaterMark: 64 * 1024 });
      if (bodyLimit > 0) countBody(raw, body, bodyLimit);
      raw.pipe(body);
      raw.once('close', () => {
        if (!raw.complete) body.destroy(new Error('the client aborted its request'));
      });
      request.body = body;
    }
    done();
  };
}

/** Requests whose body passed the upstream's limit on the way (a chunked body declares no length). */
const overLimit = new WeakSet<IncomingMessage>();

export function tooLargeMessage(name: string): string {
  return `the request body is larger than the ${name} service accepts`;
}

/**
 * Stops a body at the upstream's own limit. The api refuses a larger one and closes the connection
 * while the body is still being sent, which the upstream client can only report as a failed write:
 * the client would get 503 instead of the api's 413. So the web gives the 413 itself, before the
 * first byte goes out when the length is declared (proxy-plugin), and here when it is not.
 */
function countBody(raw: IncomingMessage, body: PassThrough, limit: number): void {
  let seen = 0;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= limit) return;
    raw.off('data', onData);
    overLimit.add(raw);
    raw.unpipe(body);
    raw.resume();
    body.destroy(new Error('the request body passed the upstream limit'));
  };
  raw.on('data', onData);
}
