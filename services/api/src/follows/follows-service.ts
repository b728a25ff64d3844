import { badRequest, findUserByName, notFound, transactionWithRetry, type Db, type User } from '@video/shared';
import { isValidUserName, normalizeName } from '../http/input.js';
import { announceNotifications, notify, type StoredNotification } from '../notifications/notify.js';
import { deleteFollow, hasUnreadFollowNotice, insertFollow } from './follows-repository.js';

/** A user by the name in a path, else 404 (a name that cannot exist is unknown too). */
export async function requireUserByName(db: Db, raw: string): Promise<User> {
  const name = normalizeName(raw);
  const user = isValidUserName(name) ? await findUserByName(db.kysely, name) : undefined;
  if (!user) throw notFound('no such user');
  return user;
}

/** The other user of a relation the signed-in user changes: known, and not themself. */
export async function otherUser(db: Db, meId: number, raw: string): Promise<number> {
  const user = await requireUserByName(db, raw);
  if (Number(user.id) === meId) throw badRequest('you cannot do this to yourself');
  return Number(user.id);
}

export function createFollowsService(db: Db) {
  return {
    /**
     * Follows `name` (idempotent). A new follow tells the followee, unless an unread "follow"
     * notification from the same user is still waiting: unfollowing and following again does not
     * spam them, and once they have read it a later follow is news again.
     */
    async follow(meId: number, name: string): Promise<void> {
      const followee = await otherUser(db, meId, name);
      const stored = await transactionWithRetry(db, async (trx): Promise<StoredNotification | null> => {
        if (!(await insertFollow(trx, meId, followee, Date.now()))) return null;
        if (await hasUnreadFollowNotice(trx, followee, meId)) return null;
        return notify(trx, { userId: followee, type: 'follow', actorId: meId });
      });
      announceNotifications([stored]);
    },

    /** Stops following `name` (idempotent). */
    async unfollow(meId: number, name: string): Promise<void> {
      const followee = await otherUser(db, meId, name);
      await transactionWithRetry(db, (trx) => deleteFollow(trx, meId, followee));
    },
  };
}

export type FollowsService = ReturnType<typeof createFollowsService>;
