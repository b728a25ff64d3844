import { Type } from '@sinclair/typebox';
import { badRequest } from '@video/shared';

export const EMAIL_MAX = 254;
export const EmailSchema = Type.String({ minLength: 3, maxLength: EMAIL_MAX, description: 'an email address (stored lower-cased)' });

/**
 * Deliberately plain: one @, a local part of printable ASCII without spaces or quotes, and a
 * dotted domain of letters, digits and hyphens. Anything a mail server would need quoting for is refused.
 */
const EMAIL_RE = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The address as stored: trimmed and lower-cased, else 400 001. */
export function normalizeEmail(raw: string, field = 'body.email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > EMAIL_MAX || !EMAIL_RE.test(email) || email.includes('..')) {
    throw badRequest(`${field} must be an email address (at most ${EMAIL_MAX} characters)`);
  }
  return email;
}
