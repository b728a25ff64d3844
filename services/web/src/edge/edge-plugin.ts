import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '@video/shared/config';
import { badRequest, forbidden, notFound, unavailable } from '@video/shared/contract';
import { isCrossSiteWrite, isLongRunning, isMetricsPath } from './edge-rules.js';

export interface EdgeOptions {
  config: Config;
}

const kExpectsContinue = Symbol('expectsContinue');
type ExpectingRequest = IncomingMessage & { [kExpectsContinue]?: boolean };

/** How long HSTS asks a browser to remember that the site is HTTPS only (one year). */
export const HSTS_MAX_AGE = 31_536_000;

/**
 * What the public port does before any route: it serves no metrics, refuses cross-site writes, caps
 * open connections, gives ordinary requests a whole-request deadline, and answers
 * `Expect: 100-continue` itself (the proxy's upstream client refuses to forward the header).
 */
async function edge(app: FastifyInstance, opts: EdgeOptions): Promise<void> {
  const { config } = opts;
  app.server.maxConnections = config.web_max_connections;

  // Node answers 100 at once unless someone listens for checkContinue. Listening lets the web send
  // its final answer instead when it refuses the request before reading the body (a cross-site
  // post, an upload the stream server turns down at its headers): RFC 9110 §10.1.1 allows either.
  app.server.on('checkContinue', (req: ExpectingRequest, res: ServerResponse) => {
    req[kExpectsContinue] = true;
    app.server.emit('request', req, res);
  });
  // The body is about to be read (parsed here, or piped to an upstream): now the client may send it.
  app.addHook('preParsing', async (request, reply) => {
    const raw = request.raw as ExpectingRequest;
    if (raw[kExpectsContinue] && !reply.raw.headersSent) {
      raw[kExpectsContinue] = false;
      reply.raw.writeContinue();
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    if (isMetricsPath(request.url)) throw notFound(`no route ${request.method} ${request.url.split('?')[0]}`);
    if (isCrossSiteWrite(request.method, request.headers, request.host)) {
      throw forbidden('cross-site requests that change state are not accepted');
    }
    if (!isLongRunning(request.url, request.headers.upgrade)) armDeadline(reply, config.web_request_timeout_seconds * 1000);
  });

  if (config.cookie_secure) {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('strict-transport-security', `max-age=${HSTS_MAX_AGE}`);
      return payload;
    });
  }
}

/**
 * The whole-request deadline: a client that trickles its body, or reads the answer at a crawl, gives
 * up its connection when the time is up. A body still arriving gets 408 (and the usual linger before
 * the hang-up); an answer the web is still waiting for gets 503 011 (the upstream's slowness, not
 * the client's); an answer already under way is cut.
 */
function armDeadline(reply: FastifyReply, ms: number): void {
  const res = reply.raw;
  const timer = setTimeout(() => {
    if (res.writableFinished || res.destroyed) return;
    if (reply.sent || res.headersSent) {
      res.destroy();
      return;
    }
    const complete = reply.request.raw.complete;
    reply.request.log.info({ complete }, 'whole-request deadline passed');
    reply
      .code(complete ? 503 : 408)
      .header('connection', 'close')
      .send(
        complete
          ? unavailable('the service took too long to answer, try again shortly').toBody()
          : badRequest('the request took too long to arrive').toBody(),
      );
  }, ms);
  timer.unref();
  res.once('close', () => clearTimeout(timer));
  res.once('finish', () => clearTimeout(timer));
}

export const edgePlugin = fp(edge, { name: 'web-edge', fastify: '5.x' });
