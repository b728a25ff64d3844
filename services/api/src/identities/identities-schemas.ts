import { Type, type Static } from '@sinclair/typebox';

/** The provider ids config allows (config-values.ts checkOidcList). */
export const PROVIDER_PATTERN = '^[a-z0-9_-]{1,32}$';

export const IdentityBodySchema = Type.Object({
  provider: Type.String({ pattern: PROVIDER_PATTERN }),
  // OpenID Connect: a locally unique, never reassigned identifier of at most 255 ASCII characters.
  subject: Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' }),
  name_hint: Type.Optional(Type.String({ maxLength: 500 })),
});
export type IdentityBody = Static<typeof IdentityBodySchema>;

export const IdentitySignedInSchema = Type.Object({ success: Type.Literal(true), session_id: Type.String(), user_name: Type.String() });

export const IdentityListSchema = Type.Object({
  identities: Type.Array(Type.Object({ provider: Type.String(), linked_at: Type.String({ format: 'date-time' }) })),
});

export const ProviderParamsSchema = Type.Object({ username: Type.String(), provider: Type.String({ pattern: PROVIDER_PATTERN }) });
