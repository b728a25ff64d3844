import type { Executor } from './executor.js';

/**
 * Ends a user's signed-in state: deletes every session (but `exceptSessionId`, the one making a
 * password change) and revokes every refresh token. Access tokens already issued are not touched
 * here: they end by expiry, or at once when the user is banned or deleted (checked on each use).
 * Returns how many sessions died.
 */
export async function revokeAllCredentials(
  db: Executor,
  userId: number,
  now: number,
  options: { exceptSessionId?: string } = {},
): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (options.exceptSessionId) q = q.where('id', '!=', options.exceptSessionId);
  const r = await q.executeTakeFirst();
  await db.updateTable('refresh_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  return Number(r.numDeletedRows);
}
