import { Type } from '@sinclair/typebox';
import { NextCursorSchema } from '../http/common-schemas.js';

export const PageQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
});

export const UserPairParamsSchema = Type.Object({ username: Type.String(), name: Type.String() });

export const UserRefSchema = Type.Object({ id: Type.Integer(), user_name: Type.String() });
export const UserPageSchema = Type.Object({ users: Type.Array(UserRefSchema), next_cursor: NextCursorSchema });
