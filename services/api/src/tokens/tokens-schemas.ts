import { Type } from '@sinclair/typebox';

export const TokenPairSchema = Type.Object({
  access_token: Type.String({ description: 'a signed JWT (EdDSA or ES256): send it as `Authorization: Bearer <access_token>`' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds until the access token expires (900)' }),
  refresh_token: Type.String({ description: 'opaque, 30 days, works once: POST /tokens/refresh trades it for a new pair' }),
});

export const RefreshBodySchema = Type.Object({
  refresh_token: Type.String({ maxLength: 4096, description: 'the refresh token of the last pair' }),
});
