import { Type, type Static } from '@sinclair/typebox';
import { NextCursorSchema } from '../http/common-schemas.js';

const UserRefSchema = Type.Object({ id: Type.Integer(), user_name: Type.String() });

export const MessageSchema = Type.Object({
  id: Type.String(),
  from: UserRefSchema,
  to: UserRefSchema,
  content: Type.String(),
  time: Type.String({ description: 'ISO 8601' }),
  read: Type.Boolean(),
});
export type MessageJson = Static<typeof MessageSchema>;

export const NewMessageSchema = Type.Object({
  to: Type.String({ maxLength: 64, description: 'the recipient’s user_name' }),
  content: Type.String({ maxLength: 8000, description: '1–2,000 characters after trimming' }),
});

export const ConversationListSchema = Type.Object({
  conversations: Type.Array(Type.Object({ with: UserRefSchema, last_message: MessageSchema, unread_count: Type.Integer() })),
});

export const ConversationsQuerySchema = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) });

export const ThreadParamsSchema = Type.Object({ username: Type.String(), name: Type.String({ maxLength: 200 }) });

export const ThreadQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const ThreadSchema = Type.Object({ messages: Type.Array(MessageSchema), next_cursor: NextCursorSchema });
