import type { IncomingHttpHeaders } from 'node:http';
import { sessionIdFromHeaders } from '@video/shared/contract';

type HeaderMap = Record<string, string | string[] | number | undefined>;

/** What the web knows of the hop it received; each path names the parts it forwards. */
export interface ClientHop {
  /** The client address the web found (never a client-supplied X-Forwarded-For). */
  ip: string;
  proto?: string;
  host?: string;
  requestId?: string;
}

/**
 * The headers an upstream sees on a caller's behalf, for every path to the api and the stream
 * server: the caller's X-Session-Id is kept, else the session cookie becomes X-Session-Id; the
 * X-Forwarded-* and X-Request-Id are the web's. The web is the edge, so a client's own
 * X-Forwarded-For is replaced rather than trusted (it would let anyone dodge per-address limits).
 */
export function upstreamHeaders<H extends HeaderMap>(base: H, incoming: IncomingHttpHeaders, hop: ClientHop): H {
  const out: HeaderMap = { ...base };
  const sessionId = sessionIdFromHeaders(incoming);
  if (sessionId) out['x-session-id'] = sessionId;
  out['x-forwarded-for'] = hop.ip;
  if (hop.proto) out['x-forwarded-proto'] = hop.proto;
  if (hop.host) out['x-forwarded-host'] = hop.host;
  if (hop.requestId) out['x-request-id'] = hop.requestId;
  return out as H;
}
