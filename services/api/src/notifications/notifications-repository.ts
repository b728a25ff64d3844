import { sql } from 'kysely';
import { authorNotBanned, isVisibleTo, type Executor, type PageQuery } from '@video/shared';

/** A notification with what its item shows, before the privacy rule decides what may be shown. */
export interface NotificationRow {
  id: string;
  user_id: number;
  type: string;
  count: number;
  read: number;
  created_at: number;
  actor_id: number | null;
  actor_name: string | null;
  video_id: string | null;
  video_name: string | null;
  video_author: number | null;
  video_privacy: string | null;
  video_deleted: number | null;
  comment_id: string | null;
  comment_content: string | null;
  detail: string | null;
}

function baseQuery(db: Executor) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('users as a', 'a.id', 'n.actor_id')
    .leftJoin('video_info as v', 'v.id', 'n.video_id')
    .leftJoin('comments as c', 'c.id', 'n.comment_id')
    .select([
      'n.id',
      'n.user_id',
      'n.type',
      'n.count',
      'n.read',
      'n.created_at',
      'n.actor_id',
      'a.user_name as actor_name',
      'n.video_id',
      'v.name as video_name',
      'v.author_id as video_author',
      'v.privacy as video_privacy',
      'v.deleted_at as video_deleted',
      'n.comment_id',
      'c.content as comment_content',
      'n.detail',
    ]);
}

/** A user's notifications, newest first, keyset on (created_at, id); only unread ones when asked. */
export async function listNotifications(db: Executor, userId: number, page: PageQuery, unreadOnly: boolean): Promise<NotificationRow[]> {
  // An item naming a banned user (its actor) is left out while the ban lasts.
  let q = baseQuery(db).where('n.user_id', '=', userId).where(authorNotBanned('n.actor_id'));
  if (unreadOnly) q = q.where('n.read', '=', 0);
  const before = page.before;
  if (before) {
    q = q.where((eb) =>
      eb.or([eb('n.created_at', '<', before.time), eb.and([eb('n.created_at', '=', before.time), eb('n.id', '<', before.id)])]),
    );
  }
  const rows = await q.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(page.limit).execute();
  return rows as NotificationRow[];
}

export async function findNotifications(db: Executor, ids: string[]): Promise<NotificationRow[]> {
  if (ids.length === 0) return [];
  return (await baseQuery(db).where('n.id', 'in', ids).execute()) as NotificationRow[];
}

/** Unread items per user, for a batch of pushes. */
export async function countUnreadByUser(db: Executor, userIds: number[]): Promise<Map<number, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('notifications')
    .select(['user_id', sql<number | string>`count(*)`.as('n')])
    .where('user_id', 'in', userIds)
    .where('read', '=', 0)
    .groupBy('user_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.user_id), Number(r.n)]));
}

/** Notifications of these users stored or bumped since `since` (the no-Redis poll for other processes' rows). */
export async function recentNotificationIds(db: Executor, userIds: number[], since: number): Promise<{ id: string; user_id: number; created_at: number }[]> {
  if (userIds.length === 0) return [];
  return db
    .selectFrom('notifications')
    .select(['id', 'user_id', 'created_at'])
    .where('user_id', 'in', userIds)
    .where('created_at', '>', since)
    .orderBy('created_at')
    .limit(5000)
    .execute();
}

export async function countUnread(db: Executor, userId: number): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select(sql<number | string>`count(*)`.as('n'))
    .where('user_id', '=', userId)
    .where('read', '=', 0)
    .where(authorNotBanned('notifications.actor_id'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks these of the user's notifications read (ids of others are ignored), or all of them. */
export async function markRead(db: Executor, userId: number, ids: string[] | 'all'): Promise<void> {
  if (ids !== 'all' && ids.length === 0) return;
  let q = db.updateTable('notifications').set({ read: 1 }).where('user_id', '=', userId).where('read', '=', 0);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  await q.execute();
}

/**
 * The video of an item is shown only while the user may read it (live and not someone else's
 * private video); its own author always sees its name (a takedown names the removed video). The
 * comment is shown only alongside a shown video, so a hidden video's discussion does not leak either.
 */
export function visibleVideo(row: NotificationRow): { id: string; name: string } | null {
  if (row.video_id === null || row.video_name === null || row.video_author === null) return null;
  const own = Number(row.video_author) === Number(row.user_id);
  const readable = row.video_deleted === null && isVisibleTo({ privacy: row.video_privacy ?? 'private', author_id: row.video_author }, Number(row.user_id));
  return own || readable ? { id: row.video_id, name: row.video_name } : null;
}
