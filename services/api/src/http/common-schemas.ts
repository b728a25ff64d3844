import { Type, type Static, type TSchema } from '@sinclair/typebox';
export { ErrorSchema, errorResponses } from '@video/shared';

/** Letters and digits of any script, `_`, `.`, `-`; checked after NFC normalization. */
export const USER_NAME_PATTERN = '^[\\p{L}\\p{N}_.-]{1,64}$';
export const USER_NAME_RE = new RegExp(USER_NAME_PATTERN, 'u');

export const UserParamsSchema = Type.Object({ username: Type.String() });

/**
 * A nullable response field as OpenAPI 3.0 spells it. fast-json-stringify serializes `nullable`
 * with a null check, where an anyOf would cost a schema validation per field of every list item.
 */
export const Nullable = <T extends TSchema>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, nullable: true });

export const ListQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000_000, description: 'unix seconds, exclusive' })),
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000_000, description: 'unix seconds, inclusive' })),
});
export type ListQuery = Static<typeof ListQuerySchema>;

export const NextCursorSchema = Nullable(Type.String({ description: 'pass back as ?cursor= for the next page; null on the last' }));
