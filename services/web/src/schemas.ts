import { Type, type Static } from '@sinclair/typebox';

export { ErrorSchema } from '@video/shared/contract';

/**
 * The web checks only the shape; the api owns the rules for names and passwords and its 400s pass
 * through unchanged, so there is one source of truth for what a valid name is.
 */
export const CredentialsSchema = Type.Object({
  user_name: Type.String({ minLength: 1, maxLength: 1024 }),
  pwd: Type.String({ minLength: 1, maxLength: 1024 }),
  /** Where a form started on a watch page goes back to (checked by safeNext; anything else is ignored). */
  next: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type Credentials = Static<typeof CredentialsSchema>;

export const SignedInSchema = Type.Object({ success: Type.Literal(true), user_name: Type.String() });

export const EnvelopeSchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 4096 }),
  method: Type.String({ minLength: 1, maxLength: 16 }),
  req_body: Type.Optional(Type.Union([Type.String({ maxLength: 1024 * 1024 }), Type.Object({}, { additionalProperties: true }), Type.Null()])),
});
export type Envelope = Static<typeof EnvelopeSchema>;
