import type { Transaction } from 'kysely';
import { AppError } from '../contract/errors.js';
import type { Db } from './connect.js';
import type { Database } from './schema.js';

const DEADLOCK = new Set(['ER_LOCK_DEADLOCK']);
const LOCK_CONFLICT = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const DEADLOCK_ERRNO = 1213;
const LOCK_WAIT_TIMEOUT_ERRNO = 1205;

function codeOf(err: unknown): { code?: unknown; errno?: unknown } {
  return err && typeof err === 'object' ? (err as { code?: unknown; errno?: unknown }) : {};
}

/** InnoDB chose this transaction as a deadlock's victim and rolled it back: running it again is safe. */
export function isDeadlock(err: unknown): boolean {
  const e = codeOf(err);
  return (typeof e.code === 'string' && DEADLOCK.has(e.code)) || e.errno === DEADLOCK_ERRNO;
}

/** A deadlock or a lock wait that timed out: another request held what this one needed. */
export function isLockConflict(err: unknown): boolean {
  const e = codeOf(err);
  return (typeof e.code === 'string' && LOCK_CONFLICT.has(e.code)) || e.errno === DEADLOCK_ERRNO || e.errno === LOCK_WAIT_TIMEOUT_ERRNO;
}

/** The client's answer to a lock conflict that a retry did not resolve: its request raced another. */
export function lockConflict(cause: unknown): AppError {
  return new AppError('CONFLICT', 'a concurrent change got in the way: try again', { cause });
}

/**
 * Runs `fn` in a transaction, once more if InnoDB rolled it back as a deadlock's victim (the
 * usual cure, and what MySQL's manual asks of applications). A second deadlock, or a lock wait
 * timeout (which already waited innodb_lock_wait_timeout), is the client's 409, not a 5xx.
 */
export async function transactionWithRetry<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(fn);
  } catch (err) {
    if (!isDeadlock(err)) {
      if (isLockConflict(err)) throw lockConflict(err);
      throw err;
    }
  }
  try {
    return await db.kysely.transaction().execute(fn);
  } catch (err) {
    if (isLockConflict(err)) throw lockConflict(err);
    throw err;
  }
}
