import type { FastifyInstance, FastifyRequest } from 'fastify';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import { CONNECT_TIMEOUT_MS } from './upstream-client.js';
import { onProxyError, shieldRequestBody } from './upstream-errors.js';
import { upstreamHeaders } from './upstream-headers.js';
import { wsProxyOptions } from './ws-proxy.js';

type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface ProxyRoute {
  prefix: string;
  upstream: string;
  /** Path on the upstream that replaces `prefix` (the api's routes sit at its root). */
  rewritePrefix: string;
  methods: HttpMethod[];
  /** Streams (videos, uploads) may idle for long: a paused player stops reading. */
  bodyTimeoutMs: number;
  /** How long the upstream may take to start its answer once the request began; 0 = no limit. */
  headersTimeoutMs: number;
  websocket?: boolean;
  /** The upstream's body limit in bytes (0: none the web knows of). */
  bodyLimit?: number;
  /** Upstream connections the web may keep open. */
  connections: number;
}

/**
 * The general proxy's upstream headers, without Expect: the web has answered it itself (edge-plugin),
 * and undici refuses to send one.
 */
export function rewriteUpstreamHeaders(
  request: FastifyRequest,
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const out = upstreamHeaders(headers, request.headers, {
    ip: request.ip,
    proto: request.protocol,
    host: request.headers.host,
    requestId: String(request.id),
  });
  delete out.expect;
  return out;
}

export async function registerProxy(app: FastifyInstance, name: string, route: ProxyRoute): Promise<void> {
  const options = {
    upstream: new URL(route.upstream).origin,
    prefix: route.prefix,
    rewritePrefix: route.rewritePrefix,
    // Only `prefix/*`: the bare `/api` belongs to the legacy envelope route.
    routes: ['/*'],
    httpMethods: route.methods,
    preHandler: shieldRequestBody(route.bodyLimit ?? 0),
    ...wsProxyOptions(route.websocket ?? false),
    undici: {
      connections: route.connections,
      pipelining: 1,
      connect: { timeout: CONNECT_TIMEOUT_MS, rejectUnauthorized: true },
      headersTimeout: route.headersTimeoutMs,
      bodyTimeout: route.bodyTimeoutMs,
    },
    replyOptions: {
      rewriteRequestHeaders: (request, headers) => rewriteUpstreamHeaders(request as FastifyRequest, headers),
      onError: onProxyError(name) as never,
      // No retries: a 503 from upstream or a refused connection is reported at once.
      retryDelay: () => null,
    },
  } as FastifyHttpProxyOptions;
  await app.register(httpProxy, options);
}
