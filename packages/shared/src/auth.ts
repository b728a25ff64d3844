import type { IncomingHttpHeaders } from 'node:http';
import { unauthorized } from './errors.js';
import type { Db } from './db/connect.js';
import { findLiveSession, type SessionUser } from './db/repositories/sessions-repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The session id a request carries: the X-Session-Id header, else the web's `session` cookie. */
export function sessionIdFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-session-id'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const cookie = headers.cookie;
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'session') {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The signed-in user for a session id, or a 401 (no, malformed, unknown or expired session). Reads
 * the database every time, so a sign-out on any instance is honoured at once.
 */
export async function requireSession(db: Db, sessionId: string | undefined, now = Date.now()): Promise<SessionUser> {
  if (!sessionId) throw unauthorized('no session: sign in and send X-Session-Id');
  if (!UUID.test(sessionId)) throw unauthorized('session is not valid');
  const session = await findLiveSession(db.kysely, sessionId.toLowerCase(), now);
  if (!session) throw unauthorized('session is unknown or expired');
  return session;
}
