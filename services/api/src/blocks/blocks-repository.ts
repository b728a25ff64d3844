import { keysetPage, type Executor, type PageQuery } from '@video/shared';
import type { UserRow } from '../follows/user-pages.js';

/** Whether `ownerId` has blocked `actorId`: their messages, comments and danmaku to the owner are refused. */
export async function isBlocked(db: Executor, { ownerId, actorId }: { ownerId: number; actorId: number }): Promise<boolean> {
  if (ownerId === actorId) return false;
  const row = await db.selectFrom('blocks').select('time').where('user_id', '=', ownerId).where('blocked_id', '=', actorId).executeTakeFirst();
  return row !== undefined;
}

/** Which of `userIds` have blocked `actorId` (mentions by a blocked user notify none of them). */
export async function blockersOf(db: Executor, actorId: number, userIds: readonly number[]): Promise<Set<number>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.selectFrom('blocks').select('user_id').where('blocked_id', '=', actorId).where('user_id', 'in', [...userIds]).execute();
  return new Set(rows.map((r) => Number(r.user_id)));
}

/** Blocks a user (idempotent). */
export async function insertBlock(db: Executor, userId: number, blockedId: number, now: number): Promise<void> {
  await db.insertInto('blocks').values({ user_id: userId, blocked_id: blockedId, time: now }).ignore().execute();
}

/** Lifts a block (idempotent). */
export async function deleteBlock(db: Executor, userId: number, blockedId: number): Promise<void> {
  await db.deleteFrom('blocks').where('user_id', '=', userId).where('blocked_id', '=', blockedId).execute();
}

/** Whom `userId` has blocked, newest first (one user's blocks: a short range of the primary key, sorted). */
export async function listBlocked(db: Executor, userId: number, page: PageQuery): Promise<UserRow[]> {
  const q = db
    .selectFrom('blocks as b')
    .innerJoin('users as u', 'u.id', 'b.blocked_id')
    .select(['u.id as id', 'u.user_name as user_name', 'b.time as time'])
    .where('b.user_id', '=', userId);
  const rows = await keysetPage(q, 'b.time', 'b.blocked_id', page).execute();
  return rows.map((r) => ({ id: Number(r.id), user_name: r.user_name, time: Number(r.time) }));
}
