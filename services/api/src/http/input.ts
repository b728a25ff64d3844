import { badRequest } from '@video/shared';
import { USER_NAME_RE } from './common-schemas.js';

/** Names are compared in NFC, so the same name typed on two keyboards is one user. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC');
}

export function isValidUserName(name: string): boolean {
  return USER_NAME_RE.test(name);
}

/** Trims and checks a length in characters (code points), as the contract counts them. */
export function trimmedText(field: string, raw: string, max: number): string {
  const text = raw.trim();
  const length = [...text].length;
  if (length < 1 || length > max) throw badRequest(`body.${field} must be 1–${max} characters after trimming`);
  return text;
}
