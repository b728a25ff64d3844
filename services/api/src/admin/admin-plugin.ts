import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { forbidden, requireSession, sessionIdFromHeaders, type Db } from '@video/shared';
import type { LimiterFactory } from '../http/rate-limits.js';
import { retryLater } from '../http/rate-limits.js';
import type { AccountEvents } from './account-events.js';
import { adminContentRoutes } from './admin-content-routes.js';
import { createAdminService } from './admin-service.js';
import { adminUsersRoutes } from './admin-users-routes.js';

export interface AdminPluginOptions {
  db: Db;
  limiter: LimiterFactory;
  events: AccountEvents;
  videoChanged: (id: string) => Promise<void>;
  /** Writes per moderator per minute (tests lower it). */
  writesPerMinute?: number;
}

export type StaffHook = (request: FastifyRequest) => Promise<void>;

/** The onRequest hook of every moderation route: 401 without a session, 403 005 for a plain user. */
export function staffOnly(db: Db): StaffHook {
  return async (request) => {
    const user = await requireSession(db, sessionIdFromHeaders(request.headers));
    if (user.role !== 'moderator' && user.role !== 'admin') throw forbidden('moderators and admins only');
    request.sessionUser = user;
  };
}

/**
 * `/admin/*`: moderators and admins. The role is read with the session on every request, so a
 * demotion or a ban takes effect at the next click. Writes are limited per moderator.
 */
export const adminPlugin: FastifyPluginAsyncTypebox<AdminPluginOptions> = async (app, opts) => {
  const staff = staffOnly(opts.db);
  const counter = opts.limiter({ name: 'admin-write', max: opts.writesPerMinute ?? 120, windowMs: 60_000 });
  const writeLimit: StaffHook = async (request) => {
    const wait = await counter.take(String(request.sessionUser?.user_id ?? 0));
    if (wait > 0) throw retryLater(wait, 'too many moderation actions');
  };
  const service = createAdminService({ db: opts.db, events: opts.events, videoChanged: opts.videoChanged });
  const hooks = { staff, writeLimit };
  await app.register(adminUsersRoutes, { db: opts.db, service, hooks });
  await app.register(adminContentRoutes, { db: opts.db, service, hooks });
};

export interface AdminRouteOptions {
  db: Db;
  service: ReturnType<typeof createAdminService>;
  hooks: { staff: StaffHook; writeLimit: StaffHook };
}
