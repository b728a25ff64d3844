import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  ACCESS_TOKEN_SECONDS,
  findRefreshToken,
  findUserById,
  insertRefreshToken,
  markRefreshTokenUsed,
  revokeRefreshFamily,
  signAccessToken,
  transactionWithRetry,
  unauthorized,
  type Db,
  type Executor,
  type TokenKeys,
} from '@video/shared';
import type { UsersService } from '../users/users-service.js';

export const REFRESH_TOKEN_DAYS = 30;
const REFRESH_TTL_MS = REFRESH_TOKEN_DAYS * 86_400_000;
/** 32 random bytes, base64url without padding. */
const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const REFRESH_FAILED = 'refresh token is not valid: sign in again';

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export interface TokensService {
  /** A new pair (and a new family) for a user name and password; the same checks as password sign-in. */
  issue(userName: string, pwd: string): Promise<TokenPair>;
  /** Rotates a refresh token; a used or revoked one revokes its whole family. */
  refresh(refreshToken: string): Promise<TokenPair>;
  /** Ends a family (sign-out of one API client); unknown tokens are already out. */
  revoke(refreshToken: string): Promise<void>;
  revokeFamily(familyId: string): Promise<void>;
}

/** Only the SHA-256 of a refresh token is stored: a copy of the table signs nobody in. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Stores a new refresh token of `familyId` (with `trx`, so a rotation is one transaction) and signs its access token. */
async function newPair(keys: TokenKeys, trx: Executor, user: { id: number; user_name: string }, familyId: string, now: number): Promise<TokenPair> {
  const refresh = randomBytes(32).toString('base64url');
  await insertRefreshToken(trx, {
    token_hash: hashRefreshToken(refresh),
    family_id: familyId,
    user_id: user.id,
    create_time: now,
    expires_at: now + REFRESH_TTL_MS,
  });
  const access = await signAccessToken(keys, { userId: user.id, userName: user.user_name, familyId }, now);
  return { access_token: access, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refresh };
}

/** A dead token came back: someone holds a copy, so no token of its family may live on. */
async function reused(db: Db, familyId: string, now: number): Promise<never> {
  await revokeRefreshFamily(db.kysely, familyId, now);
  throw unauthorized('refresh token was already used: every token of its family is revoked, sign in again');
}

async function refreshPair(db: Db, keys: TokenKeys, refreshToken: string): Promise<TokenPair> {
  if (!REFRESH_TOKEN_PATTERN.test(refreshToken)) throw unauthorized(REFRESH_FAILED);
  const hash = hashRefreshToken(refreshToken);
  const now = Date.now();
  const row = await findRefreshToken(db.kysely, hash);
  if (!row) throw unauthorized(REFRESH_FAILED);
  if (row.used_at !== null || row.revoked_at !== null) return reused(db, row.family_id, now);
  if (row.expires_at <= now) throw unauthorized('refresh token has expired: sign in again');
  const user = await findUserById(db.kysely, row.user_id);
  if (!user || user.banned_at !== null || user.deleted_at !== null) throw unauthorized(REFRESH_FAILED);
  const pair = await transactionWithRetry(db, async (trx) => {
    // The conditional update decides a race of two refreshes of one token: one row changes once.
    if (!(await markRefreshTokenUsed(trx, hash, now))) return null;
    return newPair(keys, trx, user, row.family_id, now);
  });
  return pair ?? reused(db, row.family_id, now);
}

/** `checkCredentials`: the users service's password check (the same rules as a password sign-in). */
export function createTokensService(db: Db, keys: TokenKeys, checkCredentials: UsersService['checkCredentials']): TokensService {
  return {
    async issue(userName, pwd) {
      const user = await checkCredentials(userName, pwd);
      return newPair(keys, db.kysely, user, randomUUID(), Date.now());
    },

    refresh: (refreshToken) => refreshPair(db, keys, refreshToken),

    async revoke(refreshToken) {
      if (!REFRESH_TOKEN_PATTERN.test(refreshToken)) return;
      const row = await findRefreshToken(db.kysely, hashRefreshToken(refreshToken));
      if (row) await revokeRefreshFamily(db.kysely, row.family_id, Date.now());
    },

    async revokeFamily(familyId) {
      if (familyId !== '') await revokeRefreshFamily(db.kysely, familyId, Date.now());
    },
  };
}
