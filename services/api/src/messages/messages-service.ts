import { v7 as uuidv7 } from 'uuid';
import { badRequest, findUserByName, forbidden, notFound, toIso, type Db, type PageQuery, type SessionUser } from '@video/shared';
import { normalizeName } from '../http/input.js';
import { fetchPage, type Page } from '../http/pagination.js';
import { announceNotifications, notify } from '../notifications/notify.js';
import {
  insertMessage,
  listConversations,
  listThread,
  markThreadRead,
  touchConversation,
  type MessageRow,
} from './messages-repository.js';
import type { MessageJson } from './messages-schemas.js';
import { isBlocked } from '../blocks/index.js';
import { openGate, type EmailGate } from '../accounts/email-gate.js';

export function messageJson(m: MessageRow): MessageJson {
  return {
    id: m.id,
    from: { id: Number(m.from_id), user_name: m.from_name },
    to: { id: Number(m.to_id), user_name: m.to_name },
    content: m.content,
    time: toIso(Number(m.time)),
    read: Number(m.read) === 1,
  };
}

async function requireUser(db: Db, name: string) {
  const user = await findUserByName(db.kysely, normalizeName(name));
  if (!user) throw notFound('no such user');
  return user;
}

export function createMessagesService(db: Db, gate: EmailGate = openGate) {
  return {
    /** Stores the message, moves both sides of the conversation, and tells the recipient once committed. */
    async send(me: SessionUser, toName: string, content: string): Promise<MessageJson> {
      await gate(me);
      const to = await requireUser(db, toName);
      const toId = Number(to.id);
      if (toId === me.user_id) throw badRequest('you cannot message yourself');
      if (await isBlocked(db.kysely, { ownerId: toId, actorId: me.user_id })) throw forbidden('this user does not accept your messages');
      const message = { id: uuidv7(), from_id: me.user_id, to_id: toId, content, time: Date.now() };
      const stored = await db.kysely.transaction().execute(async (trx) => {
        await insertMessage(trx, message);
        const last = { last_message_id: message.id, last_time: message.time };
        await touchConversation(trx, db.dialect, { user_id: me.user_id, other_id: toId, ...last, unread: false });
        await touchConversation(trx, db.dialect, { user_id: toId, other_id: me.user_id, ...last, unread: true });
        return notify(trx, { userId: toId, type: 'message', actorId: me.user_id, now: message.time });
      });
      announceNotifications([stored]);
      return messageJson({ ...message, from_name: me.user_name, to_name: to.user_name, read: 0 });
    },

    async conversations(me: SessionUser, limit: number) {
      const rows = await listConversations(db.kysely, me.user_id, limit);
      return rows.map((r) => ({ with: { id: Number(r.other_id), user_name: r.other_name }, last_message: messageJson(r), unread_count: Number(r.unread_count) }));
    },

    /** The thread with `name`, newest first; what they sent is marked read first, so the answer shows it read. */
    async thread(me: SessionUser, name: string, page: PageQuery): Promise<Page<MessageJson>> {
      const other = await requireUser(db, name);
      const otherId = Number(other.id);
      if (otherId !== me.user_id) await db.kysely.transaction().execute((trx) => markThreadRead(trx, me.user_id, otherId));
      const result = await fetchPage(page, (p) => listThread(db.kysely, me.user_id, otherId, p), (m) => ({ time: Number(m.time), id: m.id }), 'messages');
      return { items: result.items.map(messageJson), next_cursor: result.next_cursor };
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
