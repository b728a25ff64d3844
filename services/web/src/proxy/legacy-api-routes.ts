import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest } from '@video/shared/contract';
import { ApiGateway } from '../auth/api-gateway.js';
import { EnvelopeSchema, ErrorSchema, type Envelope } from '../schemas.js';
import { upstreamHeaders } from './upstream-headers.js';

const METHODS = new Set(['GET', 'POST', 'DELETE']);

/**
 * The path and query of an envelope's `url`, whatever form it takes: absolute (`http://x/user/a`),
 * protocol-relative (`//evil/user/a`), with backslashes (`\\evil\user`) or plain (`/user/a`). The
 * host part, if any, is parsed off and thrown away; the result always begins with exactly one '/'.
 */
export function envelopePath(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim(), 'http://api.invalid');
  } catch {
    throw badRequest('url is not a valid URL or path');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest('url must be an http(s) URL or a path');
  const pathname = `/${parsed.pathname.replace(/^\/+/, '')}`;
  return pathname + parsed.search;
}

function envelopeBody(envelope: Envelope): string | undefined {
  const raw = envelope.req_body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'object') return JSON.stringify(raw);
  try {
    JSON.parse(raw);
  } catch {
    throw badRequest('req_body is not valid JSON');
  }
  return raw;
}

/**
 * The original site's `POST /api` envelope {"url","method","req_body"}. Only ever sent to the api
 * service: the upstream client is bound to api_url and given a path, so no envelope can reach
 * another host.
 */
export async function legacyApiRoutes(appBase: FastifyInstance, opts: { api: ApiGateway }): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api',
    { schema: { body: EnvelopeSchema, response: { '2xx': Type.Unknown(), '4xx': ErrorSchema, '5xx': ErrorSchema } } },
    async (request, reply) => {
      const envelope = request.body;
      const method = envelope.method.trim().toUpperCase();
      if (!METHODS.has(method)) throw badRequest('method must be GET, POST or DELETE');
      const path = envelopePath(envelope.url);
      const body = method === 'POST' ? envelopeBody(envelope) : undefined;
      const base: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
      const headers = upstreamHeaders(base, request.headers, { ip: request.ip, requestId: String(request.id) });
      const res = await opts.api.client.request({ method: method as 'GET' | 'POST' | 'DELETE', path, headers, body });
      reply.code(res.status);
      for (const name of ['content-type', 'retry-after', 'location'] as const) {
        const value = res.headers[name];
        if (typeof value === 'string') reply.header(name, value);
      }
      // The api's body as it is (string payloads bypass the serializer), whatever its status.
      return reply.send((res.status === 204 || res.status === 304 ? null : res.text) as never);
    },
  );
}
