import { sql } from 'kysely';
import type { Executor } from '@video/shared';

/** Wrong codes that kill a code. */
export const MAX_CODE_ATTEMPTS = 5;

export interface LiveCode {
  id: string;
  code_hash: string;
}

/** A new code makes every older one of the number useless. */
export async function killOpenCodes(db: Executor, phone: string, now: number): Promise<void> {
  await db.updateTable('phone_codes').set({ used_at: now }).where('phone', '=', phone).where('used_at', 'is', null).execute();
}

export async function killCode(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('phone_codes').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).execute();
}

export async function insertCode(
  db: Executor,
  row: { id: string; phone: string; code_hash: string; address: string; create_time: number; expires_at: number },
): Promise<void> {
  await db.insertInto('phone_codes').values(row).execute();
}

/** The number's newest code that is unused, unexpired and not killed by wrong guesses. */
export async function latestLiveCode(db: Executor, phone: string, now: number): Promise<LiveCode | undefined> {
  return db
    .selectFrom('phone_codes')
    .select(['id', 'code_hash'])
    .where('phone', '=', phone)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('attempts', '<', MAX_CODE_ATTEMPTS)
    .orderBy('create_time', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Counts a wrong guess; the fifth kills the code. */
export async function countWrongGuess(db: Executor, id: string, now: number): Promise<void> {
  await db
    .updateTable('phone_codes')
    // used_at first: MySQL evaluates SET left to right with the new values, SQLite with the old ones.
    .set({
      used_at: sql<number | null>`case when attempts + 1 >= ${MAX_CODE_ATTEMPTS} then ${now} else used_at end`,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .execute();
}

/** Uses the code up; true for the one caller that got it (a code works once, however many race). */
export async function consumeCode(db: Executor, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('phone_codes')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('attempts', '<', MAX_CODE_ATTEMPTS)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function findUserByPhone(db: Executor, phone: string) {
  return db
    .selectFrom('users')
    .select(['id', 'user_name', 'banned_at', 'ban_reason', 'deleted_at'])
    .where('phone', '=', phone)
    .executeTakeFirst();
}

export async function setUserPhone(db: Executor, userId: number, phone: string | null): Promise<void> {
  await db.updateTable('users').set({ phone }).where('id', '=', userId).execute();
}
