import { Type, type Static } from '@sinclair/typebox';
import { Nullable, NextCursorSchema } from '../http/common-schemas.js';

const UserRefSchema = Type.Object({ id: Type.Integer(), user_name: Type.String() });

export const NotificationSchema = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'new_video | comment | reply | mention | follow | message | takedown' }),
  created_at: Type.String({ description: 'ISO 8601: the latest event of the item' }),
  read: Type.Boolean(),
  count: Type.Integer({ description: 'events folded into this item (a burst within 60 s), at least 1' }),
  actor: Nullable(UserRefSchema),
  video: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  comment: Nullable(Type.Object({ id: Type.String(), content: Type.String() })),
  reason: Nullable(Type.String({ description: 'a takedown’s reason; null for other types' })),
});
export type NotificationJson = Static<typeof NotificationSchema>;

export const NotificationListSchema = Type.Object({
  notifications: Type.Array(NotificationSchema),
  next_cursor: NextCursorSchema,
  unread_count: Type.Integer(),
});

export const NotificationsQuerySchema = Type.Object({
  unread: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')])),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 30 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const MarkReadSchema = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ maxLength: 36 }), { maxItems: 100 })),
    all: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
