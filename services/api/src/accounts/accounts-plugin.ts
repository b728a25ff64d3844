import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, type Config, type Db } from '@video/shared';
import { sessionUserOf } from '../http/auth-hooks.js';
import type { LimiterFactory } from '../http/rate-limits.js';
import { checkPassword } from '../users/credentials.js';
import { deleteAccount } from './account-deletion.js';
import { accountLimits } from './account-limits.js';
import { normalizeEmail } from './email-address.js';
import { createEmailGate, type EmailGate } from './email-gate.js';
import { emailRoutes } from './email-routes.js';
import { createEmailService } from './email-service.js';
import { createMailer, type Mailer } from './mailer.js';
import { createPasswordService } from './password-service.js';
import { passwordAttempts, passwordRoutes } from './password-routes.js';

/** What the users routes ask of accounts: the address given at sign-up, and DELETE /user/:me with a password. */
export interface AccountHooks {
  /** Validates (400 001) and lower-cases a sign-up address before the account exists. */
  parseSignUpEmail(raw: unknown): string | undefined;
  afterSignUp(userName: string, email: string): Promise<void>;
  /** DELETE /user/:me with a body: the account goes (wrong pwd 401 002). */
  deleteOwnAccount(request: FastifyRequest): Promise<void>;
}

export interface Accounts {
  hooks: AccountHooks;
  gate: EmailGate;
  mailer: Mailer;
}

function pwdOf(body: unknown): string {
  const pwd = body && typeof body === 'object' && !Array.isArray(body) ? (body as { pwd?: unknown }).pwd : undefined;
  if (typeof pwd !== 'string') throw badRequest('body.pwd is required to delete the account (send no body to sign out)');
  checkPassword(pwd);
  return pwd;
}

/**
 * Email, passwords and account deletion: builds the mailer (closed with the app), registers the
 * routes, and returns what the users, videos, comments and messages features call.
 */
export async function registerAccounts(
  app: FastifyInstance,
  opts: { db: Db; config: Config; limiter: LimiterFactory; videoChanged: (id: string) => Promise<void> },
): Promise<Accounts> {
  const { db, config } = opts;
  const mailer = createMailer(config, app.log);
  app.addHook('onClose', () => mailer.close());
  const limits = accountLimits(opts.limiter);
  const email = createEmailService(db, mailer);
  const passwords = await createPasswordService(db, mailer, config);
  await app.register(emailRoutes, { db, email, limits });
  await app.register(passwordRoutes, { db, passwords, limits });
  const attempts = passwordAttempts(limits);

  const hooks: AccountHooks = {
    parseSignUpEmail: (raw) => (typeof raw === 'string' ? normalizeEmail(raw) : undefined),
    /** The account exists by now: a failure here is logged, never a failed sign-up (the address can be added in /settings). */
    async afterSignUp(userName, address) {
      try {
        const row = await db.kysely.selectFrom('users').select('id').where('user_name', '=', userName).executeTakeFirst();
        if (row) await email.attachAtSignUp(Number(row.id), userName, address);
      } catch (err) {
        app.log.error({ err }, 'the sign-up address could not be attached');
      }
    },
    async deleteOwnAccount(request) {
      const pwd = pwdOf(request.body);
      const user = sessionUserOf(request);
      await attempts.before(request);
      await attempts.guard(request, () => passwords.checkCurrent(user.user_id, pwd));
      const videos = await deleteAccount(db, user.user_id);
      request.log.info({ user_id: user.user_id, videos: videos.length }, 'account deleted');
      for (const id of videos) await opts.videoChanged(id);
    },
  };
  return { hooks, gate: createEmailGate(db, config.require_email_verification), mailer };
}
