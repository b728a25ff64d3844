import type { IncomingHttpHeaders } from 'node:http';
import { verifyAccessToken } from '../auth/access-tokens.js';
import { credentialFromHeaders } from '../auth/credentials-header.js';
import type { TokenKeys } from '../auth/token-keys.js';
import { AppError, unauthorized } from '../contract/errors.js';
import { isSessionId } from '../contract/ids.js';
import type { Db } from './connect.js';
import { findLiveSession, type SessionUser } from './repositories/sessions-repository.js';

/** What checking a caller needs: the database and the token keys (a service's Fastify instance has both). */
export interface UserAuth {
  db: Db;
  tokenKeys: TokenKeys;
}

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

/**
 * The user behind an access token: its signature and claims first (no database), then one
 * primary-key read of the user, so a ban or an account deletion ends every token at once and the
 * name and role are the current ones. `session_id` is '' (there is no session to end).
 */
export async function requireBearer(auth: UserAuth, token: string, now = Date.now()): Promise<SessionUser> {
  // An app assembled without keys (a plugin tested alone) takes sessions only.
  if (!auth.tokenKeys) throw unauthorized('access tokens are not accepted here: send X-Session-Id');
  const claims = await verifyAccessToken(auth.tokenKeys, token, now);
  const user = await auth.db.kysely
    .selectFrom('users')
    .select(['user_name', 'role', 'banned_at', 'deleted_at'])
    .where('id', '=', claims.userId)
    .executeTakeFirst();
  if (!user || user.banned_at !== null || user.deleted_at !== null) throw unauthorized('access token is no longer valid');
  return {
    session_id: '',
    user_id: claims.userId,
    user_name: user.user_name,
    role: user.role,
    expires_at: claims.expiresAt,
    token_family: claims.familyId,
  };
}

/**
 * The signed-in user of a request, from whichever credential it carries (auth/credentials-header.ts:
 * X-Session-Id, then Authorization: Bearer, then the session cookie), or a 401 002.
 */
export async function requireUser(auth: UserAuth, headers: IncomingHttpHeaders, now = Date.now()): Promise<SessionUser> {
  const credential = credentialFromHeaders(headers);
  if (credential?.kind === 'bearer') return requireBearer(auth, credential.token, now);
  return requireSession(auth.db, credential?.sessionId, now);
}

/**
 * For public reads: null for a visitor (no credential, or a session id that is unknown or expired,
 * as before). A bearer token that fails is a 401, not a visitor: a client that sent a token is told
 * it must refresh, instead of quietly seeing less (a private video it owns would read as a 404).
 */
export async function optionalUser(auth: UserAuth, headers: IncomingHttpHeaders, now = Date.now()): Promise<SessionUser | null> {
  const credential = credentialFromHeaders(headers);
  if (!credential) return null;
  if (credential.kind === 'bearer') return requireBearer(auth, credential.token, now);
  return optionalSession(auth.db, credential.sessionId, now);
}
