import type { NewUser, User } from '../schema.js';
import type { Executor } from './executor.js';

/** Inserts a user and returns its id; a taken name fails on the unique key (see isUniqueViolation). */
export async function insertUser(db: Executor, user: NewUser): Promise<number> {
  const result = await db.insertInto('users').values(user).executeTakeFirstOrThrow();
  return Number(result.insertId);
}

/** A live account by name: a deleted account is "no such user" to every read and action (its name stays taken). */
export async function findUserByName(db: Executor, userName: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('user_name', '=', userName).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function findUserById(db: Executor, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}
