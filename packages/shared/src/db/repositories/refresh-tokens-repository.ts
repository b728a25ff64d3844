import type { Executor } from './executor.js';

export interface RefreshTokenRow {
  token_hash: string;
  family_id: string;
  user_id: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export async function insertRefreshToken(
  db: Executor,
  row: { token_hash: string; family_id: string; user_id: number; create_time: number; expires_at: number },
): Promise<void> {
  await db.insertInto('refresh_tokens').values({ ...row, used_at: null, revoked_at: null }).execute();
}

export async function findRefreshToken(db: Executor, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const row = await db
    .selectFrom('refresh_tokens')
    .select(['token_hash', 'family_id', 'user_id', 'expires_at', 'used_at', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  // MySQL hands bigint columns back as strings.
  const at = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { ...row, user_id: Number(row.user_id), expires_at: Number(row.expires_at), used_at: at(row.used_at), revoked_at: at(row.revoked_at) };
}

/** Marks a live token used; false when it was no longer live (another refresh won, or it was revoked). */
export async function markRefreshTokenUsed(db: Executor, tokenHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('refresh_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every token of a family not revoked yet; returns how many. */
export async function revokeRefreshFamily(db: Executor, familyId: string, now: number): Promise<number> {
  const r = await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes up to `limit` tokens past their expiry (until then a row is kept, used or not, so a replay is recognised); returns how many. */
export async function deleteExpiredRefreshTokens(db: Executor, now: number, limit: number): Promise<number> {
  const rows = await db.selectFrom('refresh_tokens').select('token_hash').where('expires_at', '<=', now).limit(limit).execute();
  if (rows.length === 0) return 0;
  const r = await db
    .deleteFrom('refresh_tokens')
    .where(
      'token_hash',
      'in',
      rows.map((row) => row.token_hash),
    )
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
