import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import {
  badRequest,
  findUserById,
  revokeAllCredentials,
  transactionWithRetry,
  unauthorized,
  type Config,
  type Db,
  type Executor,
  type SessionUser,
  type User,
} from '@video/shared';
import { INVALID_LINK } from './email-service.js';
import { mails } from './mail-texts.js';
import type { Mailer } from './mailer.js';
import { consumeMailToken, issueMailToken, killMailTokens } from './mail-tokens-repository.js';

export type ResetTarget = { user_name: string } | { email: string };

/** An account a reset link may be sent for: live, with a verified address. */
async function resettable(db: Executor, target: ResetTarget): Promise<User | undefined> {
  let q = db.selectFrom('users').selectAll().where('deleted_at', 'is', null).where('email_verified', '=', 1).where('email', 'is not', null);
  q = 'email' in target ? q.where('email', '=', target.email) : q.where('user_name', '=', target.user_name);
  return q.executeTakeFirst();
}

async function setPassword(db: Executor, userId: number, pwdHash: string): Promise<boolean> {
  const r = await db.updateTable('users').set({ pwd_hash: pwdHash }).where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function createPasswordService(db: Db, mailer: Mailer, config: Pick<Config, 'bcrypt_cost'>) {
  // Compared against when there is no account, so a wrong password costs the same either way.
  const dummyHash = await bcrypt.hash(randomBytes(16).toString('hex'), config.bcrypt_cost);
  const hash = (pwd: string) => bcrypt.hash(pwd, config.bcrypt_cost);

  /** The account's current password is `pwd`, else 401 002 (one bcrypt compare either way). */
  const checkCurrent = async (userId: number, pwd: string): Promise<User> => {
    const row = await findUserById(db.kysely, userId);
    const ok = await bcrypt.compare(pwd, row?.pwd_hash ?? dummyHash);
    if (!row || row.deleted_at !== null || !ok) throw unauthorized('the password is wrong');
    return row;
  };

  return {
    checkCurrent,

    /** Sends a link when the target has a verified address; the caller answers the same either way. */
    async requestReset(target: ResetTarget): Promise<void> {
      const user = await resettable(db.kysely, target);
      if (!user || !user.email) return;
      const email = user.email;
      const token = await issueMailToken(db.kysely, { userId: Number(user.id), kind: 'reset', email, now: Date.now() });
      mailer.queue(mails.reset(email, user.user_name, mailer.linkTo(`/reset-password/${token}`)));
    },

    /** A reset link sets the password once; every session and refresh token of the account dies with it. */
    async reset(token: string, pwd: string): Promise<void> {
      const pwdHash = await hash(pwd);
      const now = Date.now();
      await transactionWithRetry(db, async (trx) => {
        const t = await consumeMailToken(trx, token, 'reset', now);
        const user = t ? await findUserById(trx, t.user_id) : undefined;
        if (!t || !user || user.email !== t.email || user.deleted_at !== null) throw badRequest(INVALID_LINK);
        if (!(await setPassword(trx, t.user_id, pwdHash))) throw badRequest(INVALID_LINK);
        await killMailTokens(trx, t.user_id, now, 'reset');
        await revokeAllCredentials(trx, t.user_id, now);
      });
    },

    /** PUT /user/:me/password: the session making the change stays; every other one and every refresh token dies. */
    async change(user: SessionUser, oldPwd: string, pwd: string): Promise<void> {
      await checkCurrent(user.user_id, oldPwd);
      const pwdHash = await hash(pwd);
      const now = Date.now();
      await transactionWithRetry(db, async (trx) => {
        if (!(await setPassword(trx, user.user_id, pwdHash))) throw unauthorized('session is unknown or expired');
        await killMailTokens(trx, user.user_id, now, 'reset');
        await revokeAllCredentials(trx, user.user_id, now, { exceptSessionId: user.session_id });
      });
    },

    /** DELETE /user/:me/sessions: every session (this one too) and refresh token of the account. */
    async signOutEverywhere(user: SessionUser): Promise<void> {
      await transactionWithRetry(db, (trx) => revokeAllCredentials(trx, user.user_id, Date.now()));
    },
  };
}

export type PasswordService = Awaited<ReturnType<typeof createPasswordService>>;
