import { badRequest } from '@video/shared';
import { USER_NAME_RE } from './common-schemas.js';

/** Names are compared in NFC, so the same name typed on two keyboards is one user. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC');
}

export function isValidUserName(name: string): boolean {
  return USER_NAME_RE.test(name);
}

/** bcrypt reads at most 72 bytes and stops at NUL, so both would let different passwords match. */
export function checkPassword(pwd: string): void {
  const bytes = Buffer.byteLength(pwd, 'utf8');
  if (bytes < 6 || bytes > 72) throw badRequest('body.pwd must be 6–72 bytes');
  if (pwd.includes('\0')) throw badRequest('body.pwd must not contain NUL');
}

/** Trims and checks a length in characters (code points), as the contract counts them. */
export function trimmedText(field: string, raw: string, max: number): string {
  const text = raw.trim();
  const length = [...text].length;
  if (length < 1 || length > max) throw badRequest(`body.${field} must be 1–${max} characters after trimming`);
  return text;
}
