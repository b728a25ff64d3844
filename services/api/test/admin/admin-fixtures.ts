import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '@video/shared';
import { signUp, uniqueName, type TestApp } from '../helper.js';
import { withSession, type User } from '../fixtures/public-site.js';

/** A signed-up user given a role straight in the database (the command line's job, tested on its own). */
export async function userWithRole(t: TestApp, role: Role, prefix: string = role): Promise<User> {
  const user = await signUp(t.app, uniqueName(prefix));
  await t.db.kysely.updateTable('users').set({ role }).where('id', '=', user.id).execute();
  return user;
}

export function adminCall(t: TestApp, method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT', url: string, sid?: string, payload?: object) {
  return t.app.inject({ method, url, headers: withSession(sid), ...(payload ? { payload } : {}) });
}

export function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return (res.body ? res.json() : null) as T;
}

export async function auditRows(t: TestApp, action?: string) {
  let q = t.db.kysely.selectFrom('audit_log').selectAll().orderBy('id');
  if (action) q = q.where('action', '=', action);
  return q.execute();
}

export async function ban(t: TestApp, moderator: User, target: User, reason = 'spam') {
  return ok(await adminCall(t, 'PATCH', `/admin/users/${encodeURIComponent(target.name)}`, moderator.sid, { banned: true, reason }));
}

export async function unban(t: TestApp, moderator: User, target: User) {
  return ok(await adminCall(t, 'PATCH', `/admin/users/${encodeURIComponent(target.name)}`, moderator.sid, { banned: false }));
}
