import { ROLES, transactionWithRetry, type Db, type Role } from '@video/shared';
import { insertAudit } from './audit-repository.js';

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export type GrantResult = { outcome: 'changed' | 'unchanged'; userId: number; from: Role; to: Role } | { outcome: 'no-such-user' };

/**
 * Gives `userName` the role, with its audit row, in one transaction (the command line's `grant`
 * and an admin's PATCH /admin/users/:name both come here). An unchanged role writes nothing.
 */
export async function grantRole(db: Db, userName: string, role: Role, actorId: number, now = Date.now()): Promise<GrantResult> {
  return transactionWithRetry(db, async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'role']).where('user_name', '=', userName).where('deleted_at', 'is', null).executeTakeFirst();
    if (!user) return { outcome: 'no-such-user' as const };
    const from = user.role;
    if (from === role) return { outcome: 'unchanged' as const, userId: user.id, from, to: role };
    await trx.updateTable('users').set({ role }).where('id', '=', user.id).execute();
    await insertAudit(trx, { actorId, action: 'role', targetType: 'user', targetId: String(user.id), detail: { user_name: userName, from, to: role }, now });
    return { outcome: 'changed' as const, userId: user.id, from, to: role };
  });
}
