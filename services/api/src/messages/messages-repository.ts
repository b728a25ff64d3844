import { sql } from 'kysely';
import { authorNotBanned, type DialectName, type Executor, type PageQuery } from '@video/shared';

export interface MessageRow {
  id: string;
  from_id: number;
  from_name: string;
  to_id: number;
  to_name: string;
  content: string;
  time: number;
  read: number;
}

export interface ConversationRow extends MessageRow {
  other_id: number;
  other_name: string;
  unread_count: number;
}

export async function insertMessage(db: Executor, m: { id: string; from_id: number; to_id: number; content: string; time: number }): Promise<void> {
  await db.insertInto('messages').values(m).execute();
}

/** One side of a conversation now ends with this message; the recipient's side counts it unread. */
export async function touchConversation(
  db: Executor,
  dialect: DialectName,
  side: { user_id: number; other_id: number; last_message_id: string; last_time: number; unread: boolean },
): Promise<void> {
  const row = { user_id: side.user_id, other_id: side.other_id, last_message_id: side.last_message_id, last_time: side.last_time, unread_count: side.unread ? 1 : 0 };
  const unread = side.unread ? sql<number>`conversations.unread_count + 1` : sql<number>`0`;
  const insert = db.insertInto('conversations').values(row);
  const set = { last_message_id: row.last_message_id, last_time: row.last_time };
  if (dialect === 'mysql') await insert.onDuplicateKeyUpdate({ ...set, unread_count: side.unread ? sql<number>`unread_count + 1` : 0 }).execute();
  else await insert.onConflict((oc) => oc.columns(['user_id', 'other_id']).doUpdateSet({ ...set, unread_count: unread })).execute();
}

function messagesWithNames(db: Executor) {
  return db
    .selectFrom('messages as m')
    .innerJoin('users as f', 'f.id', 'm.from_id')
    .innerJoin('users as t', 't.id', 'm.to_id')
    .select(['m.id', 'm.from_id', 'f.user_name as from_name', 'm.to_id', 't.user_name as to_name', 'm.content', 'm.time', 'm.read']);
}

export async function findMessage(db: Executor, id: string): Promise<MessageRow | undefined> {
  return messagesWithNames(db).where('m.id', '=', id).executeTakeFirst();
}

/** The messages between two users, newest first, keyset on (time, id); a banned sender's are left out. */
export async function listThread(db: Executor, me: number, other: number, page: PageQuery): Promise<MessageRow[]> {
  let q = messagesWithNames(db).where(authorNotBanned('m.from_id')).where((eb) =>
    eb.or([
      eb.and([eb('m.from_id', '=', me), eb('m.to_id', '=', other)]),
      eb.and([eb('m.from_id', '=', other), eb('m.to_id', '=', me)]),
    ]),
  );
  const before = page.before;
  if (before) q = q.where((eb) => eb.or([eb('m.time', '<', before.time), eb.and([eb('m.time', '=', before.time), eb('m.id', '<', before.id)])]));
  return q.orderBy('m.time', 'desc').orderBy('m.id', 'desc').limit(page.limit).execute();
}

/** Marks what `other` sent `me` read, and the conversation (and its message notifications) with it. */
export async function markThreadRead(db: Executor, me: number, other: number): Promise<void> {
  await db.updateTable('messages').set({ read: 1 }).where('to_id', '=', me).where('from_id', '=', other).where('read', '=', 0).execute();
  await db.updateTable('conversations').set({ unread_count: 0 }).where('user_id', '=', me).where('other_id', '=', other).execute();
  await db
    .updateTable('notifications')
    .set({ read: 1 })
    .where('user_id', '=', me)
    .where('read', '=', 0)
    .where('type', '=', 'message')
    .where('actor_id', '=', other)
    .execute();
}

/** A user's conversations, the latest first, each with its last message; none with a banned user. */
export async function listConversations(db: Executor, me: number, limit: number): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations as c')
    .innerJoin('users as o', 'o.id', 'c.other_id')
    .innerJoin('messages as m', 'm.id', 'c.last_message_id')
    .innerJoin('users as f', 'f.id', 'm.from_id')
    .innerJoin('users as t', 't.id', 'm.to_id')
    .select([
      'c.other_id',
      'o.user_name as other_name',
      'c.unread_count',
      'm.id',
      'm.from_id',
      'f.user_name as from_name',
      'm.to_id',
      't.user_name as to_name',
      'm.content',
      'm.time',
      'm.read',
    ])
    .where('c.user_id', '=', me)
    .where(authorNotBanned('c.other_id'))
    .orderBy('c.last_time', 'desc')
    .orderBy('c.other_id', 'desc')
    .limit(limit)
    .execute();
}
