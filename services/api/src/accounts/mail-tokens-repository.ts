import { createHash, randomBytes } from 'node:crypto';
import type { Executor, MailTokensTable } from '@video/shared';

export type MailTokenKind = MailTokensTable['kind'];

export const VERIFY_TTL_MS = 24 * 3_600_000;
export const RESET_TTL_MS = 3_600_000;

/** The stored form: hex SHA-256. A lookup by hash never compares secrets byte by byte. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** 32 random bytes as base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only the shape a token of ours can have is looked up at all. */
export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** Issues a token for `email` and returns the clear text (which exists only in the mail). */
export async function issueMailToken(db: Executor, t: { userId: number; kind: MailTokenKind; email: string; now: number }): Promise<string> {
  const token = newToken();
  const ttl = t.kind === 'verify' ? VERIFY_TTL_MS : RESET_TTL_MS;
  await db
    .insertInto('mail_tokens')
    .values({ token_hash: hashToken(token), user_id: t.userId, kind: t.kind, email: t.email, create_time: t.now, expires_at: t.now + ttl, used_at: null })
    .execute();
  return token;
}

/**
 * Marks the token used, once: the conditional UPDATE decides between two requests racing with
 * the same token. Returns the token's user and address, or undefined (unknown, used, expired, other kind).
 */
export async function consumeMailToken(
  db: Executor,
  token: string,
  kind: MailTokenKind,
  now: number,
): Promise<{ user_id: number; email: string } | undefined> {
  const hash = hashToken(token);
  const r = await db
    .updateTable('mail_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hash)
    .where('kind', '=', kind)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  const row = await db.selectFrom('mail_tokens').select(['user_id', 'email']).where('token_hash', '=', hash).executeTakeFirst();
  return row ? { user_id: Number(row.user_id), email: row.email } : undefined;
}

/** Ends every unused token of this kind (or every kind) of the user: a reset, a new address, a deletion. */
export async function killMailTokens(db: Executor, userId: number, now: number, kind?: MailTokenKind): Promise<void> {
  let q = db.updateTable('mail_tokens').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null);
  if (kind) q = q.where('kind', '=', kind);
  await q.execute();
}
