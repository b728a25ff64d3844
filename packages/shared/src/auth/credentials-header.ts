import type { IncomingHttpHeaders } from 'node:http';
import { sessionIdFromHeaders } from '../contract/session.js';

/** What a request authenticates with. */
export type RequestCredential = { kind: 'session'; sessionId: string } | { kind: 'bearer'; token: string };

/**
 * The credential a request carries, in this order: an `X-Session-Id` header, an `Authorization:
 * Bearer` token, the web's `session` cookie. An Authorization of another scheme (say Basic, from a
 * proxy in front) is not ours and is ignored. `Bearer` with nothing after it is an empty token, which
 * fails verification: a client that meant to send a token hears so.
 */
export function credentialFromHeaders(headers: IncomingHttpHeaders): RequestCredential | undefined {
  const header = headers['x-session-id'];
  if (typeof header === 'string' && header.trim() !== '') return { kind: 'session', sessionId: header.trim() };
  const token = bearerToken(headers);
  if (token !== undefined) return { kind: 'bearer', token };
  const sessionId = sessionIdFromHeaders(headers);
  return sessionId ? { kind: 'session', sessionId } : undefined;
}

/** The token of an `Authorization: Bearer …` header (scheme case-insensitive, RFC 6750), else undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*bearer(?:\s+(.*))?$/i.exec(value);
  if (!match) return undefined;
  return (match[1] ?? '').trim();
}
