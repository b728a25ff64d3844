import { badRequest } from '@video/shared';
import { normalizeName } from '../http/input.js';

/** NFC-normalizes the body's user_name before validation, so the pattern sees composed letters. */
export async function normalizeBodyName(request: { body: unknown }): Promise<void> {
  const body = request.body as { user_name?: unknown } | null;
  if (body && typeof body === 'object' && typeof body.user_name === 'string') body.user_name = normalizeName(body.user_name);
}

/** bcrypt reads at most 72 bytes and stops at NUL, so both would let different passwords match. */
export function checkPassword(pwd: string): void {
  const bytes = Buffer.byteLength(pwd, 'utf8');
  if (bytes < 6 || bytes > 72) throw badRequest('body.pwd must be 6–72 bytes');
  if (pwd.includes('\0')) throw badRequest('body.pwd must not contain NUL');
}
