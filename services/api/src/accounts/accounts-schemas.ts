import { Type } from '@sinclair/typebox';
import { USER_NAME_PATTERN } from '../http/common-schemas.js';
import { EmailSchema } from './email-address.js';
import { TOKEN_PATTERN } from './mail-tokens-repository.js';
export { OwnAccountSchema } from '../users/users-schemas.js';

const PwdSchema = Type.String({ minLength: 2, maxLength: 72, description: '6–72 bytes (UTF-8)' });

export const EmailBodySchema = Type.Object({ email: EmailSchema });
export const TokenSchema = Type.String({ pattern: TOKEN_PATTERN, description: 'the token from the mailed link' });
export const TokenBodySchema = Type.Object({ token: TokenSchema });
export const TokenParamsSchema = Type.Object({ token: TokenSchema });

/** Exactly one of the two (checked in the handler: a union would let the validator strip one branch's field). */
export const ResetRequestSchema = Type.Object({
  user_name: Type.Optional(Type.String({ pattern: USER_NAME_PATTERN })),
  email: Type.Optional(EmailSchema),
});

export const NewPasswordSchema = Type.Object({ pwd: PwdSchema });
export const PasswordChangeSchema = Type.Object({ old_pwd: PwdSchema, pwd: PwdSchema });

/** The one answer to every reset request, whether or not an account matched. */
export const ACCEPTED = { success: true as const, message: 'if an account with a verified email address matches, a link is on its way' };
export const AcceptedSchema = Type.Object({ success: Type.Literal(true), message: Type.String() });
