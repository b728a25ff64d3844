import type { Role, Session } from '../schema.js';
import type { Executor } from './executor.js';

export interface SessionUser {
  session_id: string;
  user_id: number;
  user_name: string;
  role: Role;
  expires_at: number;
  /** Set for a caller with an access token (session_id is then ''): the refresh-token family it came from. */
  token_family?: string;
}

export async function insertSession(db: Executor, session: Session): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/** The session's user, when the session exists, has not expired at `now`, and the user is neither banned nor deleted. */
export async function findLiveSession(db: Executor, sessionId: string, now: number): Promise<SessionUser | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as session_id', 'sessions.user_id', 'users.user_name', 'users.role', 'sessions.expires_at'])
    .where('sessions.id', '=', sessionId)
    .where('users.banned_at', 'is', null)
    .where('users.deleted_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(db: Executor, sessionId: string): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id', '=', sessionId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes up to `limit` sessions that expired before `now`; returns how many. */
export async function deleteExpiredSessions(db: Executor, now: number, limit: number): Promise<number> {
  const ids = await db.selectFrom('sessions').select('id').where('expires_at', '<=', now).limit(limit).execute();
  if (ids.length === 0) return 0;
  const r = await db
    .deleteFrom('sessions')
    .where(
      'id',
      'in',
      ids.map((row) => row.id),
    )
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
