import { Type, type Static } from '@sinclair/typebox';
import { USER_NAME_PATTERN } from '../http/common-schemas.js';
import { EmailSchema } from '../accounts/email-address.js';
export { SessionInfoSchema } from '@video/shared';

export const CredentialsSchema = Type.Object({
  user_name: Type.String({ pattern: USER_NAME_PATTERN, description: '1–64 letters, digits, _ . - (any script)' }),
  // 6–72 bytes of UTF-8: the character bounds here are the loosest possible, the byte rule is checked after.
  pwd: Type.String({ minLength: 2, maxLength: 72, description: '6–72 bytes (UTF-8)' }),
});
export type Credentials = Static<typeof CredentialsSchema>;

/** Sign-up: the credentials and an optional address (validated and lower-cased in accounts/). */
export const SignUpSchema = Type.Composite([CredentialsSchema, Type.Object({ email: Type.Optional(EmailSchema) })]);

export const SessionCreatedSchema = Type.Object({ success: Type.Literal(true), session_id: Type.String({ format: 'uuid' }) });

export const UserSchema = Type.Object({ id: Type.Integer(), user_name: Type.String() });

/** GET /user/:me: the signed-in user's own account (never shown to anyone else). */
export const OwnAccountSchema = Type.Object({
  id: Type.Integer(),
  user_name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  email_verified: Type.Boolean(),
  role: Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]),
});
