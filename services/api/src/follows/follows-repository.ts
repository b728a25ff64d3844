import { keysetPage, type Executor, type PageQuery } from '@video/shared';

export interface UserRef {
  id: number;
  user_name: string;
  /** When the relation began: the list's key. */
  time: number;
}

/**
 * Counters move by one in the follows row's transaction, the lower user id first, so two users
 * following each other at once lock their rows in one order.
 */
async function bumpCounters(db: Executor, follower: number, followee: number, by: 1 | -1): Promise<void> {
  const rows: [number, 'following_count' | 'followers_count'][] = [
    [follower, 'following_count'],
    [followee, 'followers_count'],
  ];
  rows.sort((a, b) => a[0] - b[0]);
  for (const [id, column] of rows) {
    await db
      .updateTable('users')
      .set((eb) => ({ [column]: eb(column, '+', by) }))
      .where('id', '=', id)
      .execute();
  }
}

/** Adds the relation; true when a row was inserted (the counters moved), false when it was there. */
export async function insertFollow(db: Executor, follower: number, followee: number, now: number): Promise<boolean> {
  const result = await db.insertInto('follows').values({ follower_id: follower, followee_id: followee, time: now }).ignore().executeTakeFirst();
  const inserted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  if (inserted) await bumpCounters(db, follower, followee, 1);
  return inserted;
}

/** Removes the relation; true when a row was deleted (the counters moved). */
export async function deleteFollow(db: Executor, follower: number, followee: number): Promise<boolean> {
  const result = await db.deleteFrom('follows').where('follower_id', '=', follower).where('followee_id', '=', followee).executeTakeFirst();
  const deleted = Number(result.numDeletedRows) > 0;
  if (deleted) await bumpCounters(db, follower, followee, -1);
  return deleted;
}

/** Whether `userId` still has an unread "follow" notification from `actorId` (no second one then). */
export async function hasUnreadFollowNotice(db: Executor, userId: number, actorId: number): Promise<boolean> {
  const row = await db
    .selectFrom('notifications')
    .select('id')
    .where('user_id', '=', userId)
    .where('read', '=', 0)
    .where('type', '=', 'follow')
    .where('actor_id', '=', actorId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Who `userId` follows (`following`) or who follows them (`followers`), newest relation first. */
export async function listFollowRelation(db: Executor, userId: number, side: 'following' | 'followers', page: PageQuery): Promise<UserRef[]> {
  const [mine, theirs] = side === 'following' ? (['f.follower_id', 'f.followee_id'] as const) : (['f.followee_id', 'f.follower_id'] as const);
  const q = db
    .selectFrom('follows as f')
    .innerJoin('users as u', 'u.id', theirs)
    .select(['u.id as id', 'u.user_name as user_name', 'f.time as time'])
    .where(mine, '=', userId);
  const rows = await keysetPage(q, 'f.time', theirs, page).execute();
  return rows.map((r) => ({ id: Number(r.id), user_name: r.user_name, time: Number(r.time) }));
}
