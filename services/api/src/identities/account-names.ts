import { randomBytes, randomInt } from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import { findUserByName, insertSession, insertUser, isUniqueViolation, type Executor } from '@video/shared';
import { isValidUserName, normalizeName } from '../http/input.js';

const MAX_BASE = 56;
const NAME_ATTEMPTS = 8;

/**
 * A valid user name from what a provider (or a phone number) says about a person: the characters the
 * name rules allow, at most 56 of them so a suffix still fits, `user` when nothing is left.
 */
export function baseUserName(hint: string | undefined): string {
  const cleaned = Array.from(normalizeName(hint ?? '').replace(/[^\p{L}\p{N}_.-]+/gu, '_'))
    .slice(0, MAX_BASE)
    .join('')
    .replace(/^[_.-]+|[_.-]+$/g, '');
  return cleaned !== '' && isValidUserName(cleaned) ? cleaned : 'user';
}

/**
 * The password hash of an account made by single sign-on or by phone: never a bcrypt hash, so no
 * password matches it (bcrypt.compare answers false for it); a password reset replaces it.
 */
export function unusablePasswordHash(): string {
  return `!${randomBytes(24).toString('hex')}`;
}

/** True when the stored hash is a real bcrypt hash, i.e. the account can sign in with a password. */
export function hasUsablePassword(pwdHash: string): boolean {
  return pwdHash.startsWith('$2');
}

/**
 * Creates an account under the first free name of `base`, `base_1234`, …; a name taken between the
 * look and the insert is one more try.
 */
export async function createAccount(db: Executor, hint: string | undefined, now: number, phone?: string): Promise<{ id: number; user_name: string }> {
  const base = baseUserName(hint);
  for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt += 1) {
    const name = attempt === 0 ? base : `${base}_${randomInt(1000, 100_000_000)}`;
    if (await findUserByName(db, name)) continue;
    try {
      const id = await insertUser(db, { user_name: name, pwd_hash: unusablePasswordHash(), create_time: now, ...(phone ? { phone } : {}) });
      return { id, user_name: name };
    } catch (err) {
      if (!isUniqueViolation(err) || phone) throw err;
    }
  }
  throw new Error(`no free user name found for ${JSON.stringify(base)}`);
}

/** A new session for the user, as sign-in makes one. */
export async function newSession(db: Executor, userId: number, now: number, ttlMinutes: number): Promise<string> {
  const id = uuidv4();
  await insertSession(db, { id, user_id: userId, create_time: now, expires_at: now + ttlMinutes * 60_000 });
  return id;
}
