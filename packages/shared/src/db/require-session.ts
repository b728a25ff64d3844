import { AppError, unauthorized } from '../contract/errors.js';
import { isSessionId } from '../contract/ids.js';
import type { Db } from './connect.js';
import { findLiveSession, type SessionUser } from './repositories/sessions-repository.js';

/**
 * The signed-in user for a session id, or a 401 (no, malformed, unknown or expired session). Reads
 * the database every time, so a sign-out on any instance is honoured at once.
 */
export async function requireSession(db: Db, sessionId: string | undefined, now = Date.now()): Promise<SessionUser> {
  if (!sessionId) throw unauthorized('no session: sign in and send X-Session-Id');
  if (!isSessionId(sessionId)) throw unauthorized('session is not valid');
  const session = await findLiveSession(db.kysely, sessionId.toLowerCase(), now);
  if (!session) throw unauthorized('session is unknown or expired');
  return session;
}

/**
 * The signed-in user for public reads: the session's user when the id is valid and live, else null
 * (no id, or an unknown or expired one makes a visitor, never a 401). Other failures stand.
 */
export async function optionalSession(db: Db, sessionId: string | undefined, now = Date.now()): Promise<SessionUser | null> {
  if (!sessionId) return null;
  try {
    return await requireSession(db, sessionId, now);
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 401) return null;
    throw err;
  }
}
