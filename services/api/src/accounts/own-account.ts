import { findUserById, unauthorized, type Executor, type Role } from '@video/shared';

export interface OwnAccount {
  id: number;
  user_name: string;
  email: string | null;
  email_verified: boolean;
  role: Role;
}

/** What GET /user/:me shows: the account's own view of itself. */
export async function ownAccount(db: Executor, userId: number): Promise<OwnAccount> {
  const row = await findUserById(db, userId);
  if (!row || row.deleted_at !== null) throw unauthorized('session is unknown or expired');
  return { id: Number(row.id), user_name: row.user_name, email: row.email, email_verified: Number(row.email_verified) === 1, role: row.role };
}
