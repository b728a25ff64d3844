import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';
import type { Config } from '@video/shared/config';
import { forbidden, tooManyRequests } from '@video/shared/contract';
import { isForeignOrigin } from '../edge/edge-rules.js';

/**
 * The largest frame a client may send: the api's own limit for danmaku sockets
 * (services/api/src/danmaku/danmaku-plugin.ts), so the web never holds a frame the api refuses.
 */
export const WS_MAX_PAYLOAD = 4096;

/** The largest frame the web accepts from the api (pushes are small JSON messages). */
export const WS_MAX_UPSTREAM_PAYLOAD = 1024 * 1024;

/**
 * Bytes the web may hold for one peer that does not read them (a client that stopped reading, or an
 * api that stalls). Past this the peer is closed: without a bound, thirty such sockets hold gigabytes.
 */
export const WS_MAX_BUFFERED = 1024 * 1024;

/** Closes the pair when the side about to receive a message already has too much unsent. */
function guard(receiver: WebSocket, incoming: { data: unknown }, log: { info: (o: object, m: string) => void }): void {
  const size = Buffer.isBuffer(incoming.data) ? incoming.data.length : 0;
  if (receiver.bufferedAmount + size > WS_MAX_BUFFERED) {
    log.info({ buffered: receiver.bufferedAmount }, 'websocket peer does not read: closed');
    receiver.terminate();
  }
}

/** http-proxy's WebSocket hooks: bound what the web buffers in either direction. */
export const wsHooks = {
  onIncomingMessage: (ctx: { log: never }, _source: WebSocket, target: WebSocket, msg: { data: unknown }) => guard(target, msg, ctx.log),
  onOutgoingMessage: (ctx: { log: never }, source: WebSocket, _target: WebSocket, msg: { data: unknown }) => guard(source, msg, ctx.log),
};

/**
 * Before a WebSocket upgrade under `prefix` is proxied: a browser page from another site may not
 * open one (Origin must be this site; clients that send none are not browsers and pass), and one
 * client address holds at most ws_max_per_address sockets.
 */
export function addWsGuard(app: FastifyInstance, opts: { config: Config; prefix: string }): void {
  const open = new Map<string, number>();
  const max = opts.config.ws_max_per_address;
  app.addHook('onRequest', async (request) => {
    if (String(request.headers.upgrade ?? '').toLowerCase() !== 'websocket') return;
    if (!request.url.startsWith(`${opts.prefix}/`)) return;
    if (isForeignOrigin({ origin: request.headers.origin }, request.host)) {
      throw forbidden('WebSockets from another site are not accepted');
    }
    const key = request.ip;
    const count = open.get(key) ?? 0;
    if (count >= max) throw tooManyRequests(5, 'too many open WebSockets from this address');
    open.set(key, count + 1);
    request.raw.socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
}
