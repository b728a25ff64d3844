import { badRequest, conflict, isUniqueViolation, transactionWithRetry, type Db, type Executor, type SessionUser } from '@video/shared';
import { mails } from './mail-texts.js';
import type { Mailer } from './mailer.js';
import { consumeMailToken, issueMailToken, killMailTokens } from './mail-tokens-repository.js';
import { ownAccount, type OwnAccount } from './own-account.js';

export const INVALID_LINK = 'this link is not valid: it was already used, has expired, or is for an address the account no longer has';

/** Sets the address, unverified; false when another account holds it (the unique key decides races). */
async function setAddress(db: Executor, userId: number, email: string): Promise<boolean> {
  try {
    const r = await db.updateTable('users').set({ email, email_verified: 0 }).where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export function createEmailService(db: Db, mailer: Mailer) {
  const sendVerification = async (userId: number, userName: string, email: string) => {
    const now = Date.now();
    const token = await transactionWithRetry(db, async (trx) => {
      await killMailTokens(trx, userId, now, 'verify');
      return issueMailToken(trx, { userId, kind: 'verify', email, now });
    });
    mailer.queue(mails.verify(email, userName, mailer.linkTo(`/verify-email?token=${token}`)));
  };

  return {
    /**
     * The address given at sign-up. One already held by another account is not attached and the
     * sign-up still succeeds (its answer never says whether an address has an account); that
     * address's owner gets a notice instead.
     */
    async attachAtSignUp(userId: number, userName: string, email: string): Promise<void> {
      if (await setAddress(db.kysely, userId, email)) return sendVerification(userId, userName, email);
      mailer.queue(mails.alreadyRegistered(email, mailer.linkTo('/reset-password')));
    },

    /** PATCH /user/:me {"email"}: a new address is unverified and gets a fresh link; the same address changes nothing. */
    async change(user: SessionUser, email: string): Promise<OwnAccount> {
      const current = await ownAccount(db.kysely, user.user_id);
      if (current.email === email) return current;
      if (!(await setAddress(db.kysely, user.user_id, email))) throw conflict('this email address cannot be used for this account');
      await sendVerification(user.user_id, user.user_name, email);
      return ownAccount(db.kysely, user.user_id);
    },

    /** POST /user/:me/email/verify: a new link to the current, unverified address (older links die). */
    async resend(user: SessionUser): Promise<void> {
      const current = await ownAccount(db.kysely, user.user_id);
      if (current.email === null) throw badRequest('the account has no email address: add one first');
      if (current.email_verified) throw conflict('the email address is already verified');
      await sendVerification(user.user_id, user.user_name, current.email);
    },

    /** POST /email-verification {"token"}: works once, within 24 h, and only while the address is still the account's. */
    async verify(token: string): Promise<void> {
      const now = Date.now();
      await transactionWithRetry(db, async (trx) => {
        const t = await consumeMailToken(trx, token, 'verify', now);
        if (!t) throw badRequest(INVALID_LINK);
        const r = await trx
          .updateTable('users')
          .set({ email_verified: 1 })
          .where('id', '=', t.user_id)
          .where('email', '=', t.email)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw badRequest(INVALID_LINK);
      });
    },
  };
}

export type EmailService = ReturnType<typeof createEmailService>;
