import { conflict, findUserById, forbidden, isUniqueViolation, notFound, transactionWithRetry, type Config, type Db } from '@video/shared';
import { createAccount, hasUsablePassword, newSession } from './account-names.js';
import { deleteIdentity, findIdentityUser, findUserIdentity, insertIdentity, listIdentities, relinkIdentity } from './identities-repository.js';

export interface IdentityInput {
  provider: string;
  subject: string;
  nameHint?: string;
}

export interface IdentitiesService {
  /** The account linked to the identity (created on first use) and a new session for it. */
  signIn(input: IdentityInput): Promise<{ session_id: string; user_name: string }>;
  /** Links the identity to the user. */
  link(userId: number, input: IdentityInput): Promise<void>;
  list(userId: number): Promise<{ provider: string; create_time: number }[]>;
  /** Unlinks the user's identity at `provider`, unless it is their last way to sign in. */
  unlink(userId: number, provider: string): Promise<void>;
}

/** The 403 a banned account's sign-in gets, with the reason a moderator gave. */
export function bannedError(reason: string | null) {
  return forbidden(reason ? `this account is banned: ${reason}` : 'this account is banned');
}

/** A first sign-in racing another for one identity loses on the primary key: once more finds the winner's account. */
async function onceMoreOnRace<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return fn();
  }
}


export function createIdentitiesService(db: Db, config: Pick<Config, 'session_ttl_minutes'>): IdentitiesService {
  return {
    signIn: (input) =>
      onceMoreOnRace(() =>
        transactionWithRetry(db, async (trx) => {
          const now = Date.now();
          const linked = await findIdentityUser(trx, input.provider, input.subject);
          let user: { id: number; user_name: string };
          if (linked && linked.deleted_at === null) {
            if (linked.banned_at !== null) throw bannedError(linked.ban_reason);
            user = { id: linked.user_id, user_name: linked.user_name };
          } else {
            // A deleted account never matches: the identity starts a new account.
            user = await createAccount(trx, input.nameHint, now);
            if (linked) await relinkIdentity(trx, input.provider, input.subject, linked.user_id, user.id, now);
            else await insertIdentity(trx, input.provider, input.subject, user.id, now);
          }
          return { session_id: await newSession(trx, user.id, now, config.session_ttl_minutes), user_name: user.user_name };
        }),
      ),

    link: (userId, input) =>
      onceMoreOnRace(() =>
        transactionWithRetry(db, async (trx) => {
          const now = Date.now();
          const linked = await findIdentityUser(trx, input.provider, input.subject);
          if (linked && linked.deleted_at === null) {
            if (linked.user_id === userId) return;
            throw conflict('this sign-in is already linked to another account');
          }
          const current = await findUserIdentity(trx, userId, input.provider);
          if (current !== undefined) throw conflict('another account of this provider is linked already: unlink it first');
          if (linked) await relinkIdentity(trx, input.provider, input.subject, linked.user_id, userId, now);
          else await insertIdentity(trx, input.provider, input.subject, userId, now);
        }),
      ),

    list: (userId) => listIdentities(db.kysely, userId),

    unlink: (userId, provider) =>
      transactionWithRetry(db, async (trx) => {
        const user = await findUserById(trx, userId);
        if (!user) throw notFound('no such user');
        const identities = await listIdentities(trx, userId);
        if (!identities.some((i) => i.provider === provider)) throw notFound('this provider is not linked');
        const otherWayIn = hasUsablePassword(user.pwd_hash) || user.phone !== null || identities.length > 1;
        if (!otherWayIn) throw conflict('this is the last way to sign in to this account: add a phone number or set a password first');
        await deleteIdentity(trx, userId, provider);
      }),
  };
}
