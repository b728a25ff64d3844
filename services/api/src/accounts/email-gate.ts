import { forbidden, type Db, type SessionUser } from '@video/shared';

/** Refuses (403 005) what an account with an unverified address may not do while the site requires verification. */
export type EmailGate = (user: SessionUser) => Promise<void>;

export const UNVERIFIED_MESSAGE = 'verify your email address first: open /settings to add it or send the link again';

/** The one check every gated action calls (creating a video, which uploading needs; a comment; a site message). */
export function createEmailGate(db: Db, required: boolean): EmailGate {
  if (!required) return async () => undefined;
  return async (user) => {
    const row = await db.kysely.selectFrom('users').select('email_verified').where('id', '=', user.user_id).executeTakeFirst();
    if (Number(row?.email_verified ?? 0) !== 1) throw forbidden(UNVERIFIED_MESSAGE);
  };
}

/** The default for services built without a gate (the site's default: no verification needed). */
export const openGate: EmailGate = async () => undefined;
