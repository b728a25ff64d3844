import type { IncomingHttpHeaders } from 'node:http';
import { credentialFromHeaders } from '@video/shared/auth';

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
 * server: the caller's X-Session-Id is kept; else an `Authorization: Bearer` token goes on as it is
 * (and the cookie is not turned into a session, so the upstream sees the credential the caller
 * chose, in the order every service reads them); else the session cookie becomes X-Session-Id; the
 * X-Forwarded-* and X-Request-Id are the web's. The web is the edge, so a client's own
 * X-Forwarded-For is replaced rather than trusted (it would let anyone dodge per-address limits),
 * and a client's X-Accel-Allowed is dropped (the stream server would answer the web with a path).
 */
export function upstreamHeaders<H extends HeaderMap>(base: H, incoming: IncomingHttpHeaders, hop: ClientHop): H {
  const out: HeaderMap = { ...base };
  // Only the balancer in front of the stream servers may say a request came through it.
  delete out['x-accel-allowed'];
  const credential = credentialFromHeaders(incoming);
  if (credential?.kind === 'session') out['x-session-id'] = credential.sessionId;
  if (credential?.kind === 'bearer' && typeof incoming.authorization === 'string') out.authorization = incoming.authorization;
  out['x-forwarded-for'] = hop.ip;
  if (hop.proto) out['x-forwarded-proto'] = hop.proto;
  if (hop.host) out['x-forwarded-host'] = hop.host;
  if (hop.requestId) out['x-request-id'] = hop.requestId;
  return out as H;
}
