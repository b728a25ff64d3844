import { badRequest, decodeCursor, type PageQuery } from '@video/shared';
import { USER_NAME_RE, type ListQuery } from '../schemas/api-schemas.js';

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

/** ?limit/?cursor/?from/?to as a repository page; from/to are whole unix seconds, window (from, to]. */
export function pageQuery(query: ListQuery): PageQuery {
  // Query coercion turns "1e309" into Infinity, which passes the schema's integer and range checks.
  for (const key of ['limit', 'from', 'to'] as const) {
    const value = query[key];
    if (value !== undefined && !Number.isSafeInteger(value)) throw badRequest(`querystring.${key} must be an integer`);
  }
  const page: PageQuery = { limit: query.limit };
  if (query.cursor !== undefined) page.before = decodeCursor(query.cursor);
  // The original compared whole seconds: time > from and time <= to, so include the whole `to` second.
  if (query.from !== undefined) page.fromMs = query.from * 1000 + 999;
  if (query.to !== undefined) page.toMs = query.to * 1000 + 999;
  return page;
}
