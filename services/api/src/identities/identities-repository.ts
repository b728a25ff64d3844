import type { Executor } from '@video/shared';

export interface LinkedUser {
  user_id: number;
  user_name: string;
  banned_at: number | null;
  ban_reason: string | null;
  deleted_at: number | null;
}

/** The account an identity (provider + subject) is linked to, deleted or not. */
export async function findIdentityUser(db: Executor, provider: string, subject: string): Promise<LinkedUser | undefined> {
  return db
    .selectFrom('identities')
    .innerJoin('users', 'users.id', 'identities.user_id')
    .select(['identities.user_id', 'users.user_name', 'users.banned_at', 'users.ban_reason', 'users.deleted_at'])
    .where('identities.provider', '=', provider)
    .where('identities.subject', '=', subject)
    .executeTakeFirst();
}

/** The subject the user has linked for `provider`, if any. */
export async function findUserIdentity(db: Executor, userId: number, provider: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('identities')
    .select('subject')
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .executeTakeFirst();
  return row?.subject;
}

/** Links an identity; one already there fails on the primary key (see isUniqueViolation). */
export async function insertIdentity(db: Executor, provider: string, subject: string, userId: number, now: number): Promise<void> {
  await db.insertInto('identities').values({ provider, subject, user_id: userId, create_time: now }).execute();
}

/** Moves an identity whose account was deleted to another account. */
export async function relinkIdentity(db: Executor, provider: string, subject: string, fromUserId: number, toUserId: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('identities')
    .set({ user_id: toUserId, create_time: now })
    .where('provider', '=', provider)
    .where('subject', '=', subject)
    .where('user_id', '=', fromUserId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listIdentities(db: Executor, userId: number): Promise<{ provider: string; create_time: number }[]> {
  return db
    .selectFrom('identities')
    .select(['provider', 'create_time'])
    .where('user_id', '=', userId)
    .orderBy('provider')
    .execute();
}

export async function deleteIdentity(db: Executor, userId: number, provider: string): Promise<boolean> {
  const r = await db.deleteFrom('identities').where('user_id', '=', userId).where('provider', '=', provider).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
