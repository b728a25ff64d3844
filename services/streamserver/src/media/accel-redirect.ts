import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
// Fastify's own dependency: the same trust rules as request.ip.
import proxyAddr from '@fastify/proxy-addr';
import type { GetPlan } from '@video/shared/files';

/** The header the shipped nginx sets (and overwrites) on every request of its stream listener. */
export const ACCEL_ALLOWED = 'x-accel-allowed';
/** Conditionals nginx would judge against its own ETag (a different tag): these stay here. */
const ETAG_CONDITIONALS = ['if-match', 'if-none-match', 'if-range'] as const;
/** Headers of the bytes that nginx makes itself from the file and the client's Range. */
const NGINX_OWN = new Set(['content-length', 'content-range', 'last-modified']);

/**
 * Hands the sending of a local file to nginx (`X-Accel-Redirect`) once the stream server has made
 * every decision: the privacy check, the generation, the 404s, the limiters, 304/412/416. What is
 * handed over is only a plain 200 or a single 206 of a GET whose conditionals nginx judges the same
 * way (dates, or none); nginx's internal location then sends the file with sendfile and cuts the
 * range from the same Range header. Anything else is answered here as without it.
 *
 * Only a request that says it came through the balancer (`X-Accel-Allowed: 1`, which the shipped
 * nginx sets and a client's copy cannot survive) from an address in trusted_proxies is answered so:
 * a client talking to the stream server directly gets the bytes, never a path.
 */
export class AccelRedirect {
  private readonly trust: (addr: string, i: number) => boolean;

  constructor(
    private readonly prefix: string,
    trustedProxies: string[],
  ) {
    this.trust = proxyAddr.compile(trustedProxies);
  }

  /** An instance when the prefix is set, else undefined (off). */
  static fromConfig(config: { stream_accel_redirect_prefix?: string; trusted_proxies?: string[] }): AccelRedirect | undefined {
    const prefix = config.stream_accel_redirect_prefix ?? '';
    return prefix === '' ? undefined : new AccelRedirect(prefix, config.trusted_proxies ?? ['loopback']);
  }

  /** The X-Accel-Redirect URI for `name` (relative to video_dir), or undefined to send the bytes here. */
  target(req: IncomingMessage, plan: GetPlan, name: string): string | undefined {
    if (plan.kind !== 'bytes' || plan.body === undefined || plan.ranges > 1 || req.method !== 'GET') return undefined;
    const headers = req.headers;
    if (headers[ACCEL_ALLOWED] !== '1' || !this.trust(req.socket.remoteAddress ?? '', 0)) return undefined;
    for (const h of ETAG_CONDITIONALS) if (headers[h] !== undefined) return undefined;
    return `${this.prefix}/${name}`;
  }
}

/** The answer that hands `uri` to nginx: the headers the bytes would carry (type, ETag, Cache-Control), no body. */
export function accelHeaders(out: OutgoingHttpHeaders, uri: string): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const name in out) if (!NGINX_OWN.has(name)) kept[name] = out[name];
  kept['x-accel-redirect'] = uri;
  kept['content-length'] = 0;
  return kept;
}
