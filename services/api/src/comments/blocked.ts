import type { Executor } from '@video/shared';

/** True when `ownerId` has blocked `actorId` (the blocks row is the blocker's). */
export async function isBlocked(db: Executor, { ownerId, actorId }: { ownerId: number; actorId: number }): Promise<boolean> {
  const row = await db.selectFrom('blocks').select('user_id').where('user_id', '=', ownerId).where('blocked_id', '=', actorId).executeTakeFirst();
  return row !== undefined;
}

/** Which of `userIds` have blocked `actorId`. */
export async function blockersOf(db: Executor, actorId: number, userIds: readonly number[]): Promise<Set<number>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.selectFrom('blocks').select('user_id').where('blocked_id', '=', actorId).where('user_id', 'in', [...userIds]).execute();
  return new Set(rows.map((r) => Number(r.user_id)));
}
