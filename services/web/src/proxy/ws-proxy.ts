import type { FastifyRequest } from 'fastify';
import { wsHooks, WS_MAX_PAYLOAD, WS_MAX_UPSTREAM_PAYLOAD } from './ws-guard-plugin.js';
import { upstreamHeaders } from './upstream-headers.js';

/** http-proxy's WebSocket options: bounded frames and buffers, and the identity a proxied request carries. */
export function wsProxyOptions(websocket: boolean) {
  return {
    websocket,
    wsServerOptions: { maxPayload: WS_MAX_PAYLOAD },
    wsHooks,
    wsClientOptions: {
      maxPayload: WS_MAX_UPSTREAM_PAYLOAD,
      rewriteRequestHeaders: (headers: Record<string, string>, request: FastifyRequest) => {
        const base = request.headers.cookie ? { ...headers, cookie: request.headers.cookie } : headers;
        return upstreamHeaders(base, request.headers, { ip: request.ip });
      },
    },
  };
}
