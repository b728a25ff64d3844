import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionUserOf } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import type { AdminRouteOptions } from './admin-plugin.js';
import { listUsers, siteStats } from './admin-repository.js';
import {
  AdminUserListSchema,
  AdminUserSchema,
  AuditListSchema,
  AuditQuerySchema,
  StatsSchema,
  UpdateUserSchema,
  UserNameParamsSchema,
  UsersQuerySchema,
} from './admin-schemas.js';
import { adminUserJson, auditEntryJson, offsetPage } from './admin-views.js';
import { listAudit } from './audit-repository.js';

const tags = ['admin'];

/** Accounts (search, role, ban), the site's numbers, and the audit log (read only: no route edits or deletes a row). */
export const adminUsersRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, opts) => {
  usersRoutes(app, opts);
  siteRoutes(app, opts);
};

function usersRoutes(app: ApiApp, { db, service, hooks }: AdminRouteOptions): void {
  app.get(
    '/admin/users',
    {
      onRequest: hooks.staff,
      schema: {
        tags,
        security,
        summary: 'Accounts whose name contains q (email shown to admins only)',
        querystring: UsersQuerySchema,
        response: { 200: AdminUserListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const role = sessionUserOf(request).role;
      const q = request.query.q?.normalize('NFC').trim();
      const page = await offsetPage(request.query, (limit, offset) => listUsers(db.kysely, q, limit, offset));
      return { users: page.items.map((u) => adminUserJson(u, role)), next_offset: page.next_offset };
    },
  );

  app.patch(
    '/admin/users/:name',
    {
      onRequest: hooks.staff,
      preHandler: hooks.writeLimit,
      schema: {
        tags,
        security,
        summary: 'Change a role (admins) or ban / unban (a moderator: plain users only); never yourself',
        params: UserNameParamsSchema,
        body: UpdateUserSchema,
        response: { 200: AdminUserSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const actor = sessionUserOf(request);
      return adminUserJson(await service.updateUser(actor, request.params.name, request.body), actor.role);
    },
  );
}

function siteRoutes(app: ApiApp, { db, hooks }: AdminRouteOptions): void {
  app.get(
    '/admin/stats',
    { onRequest: hooks.staff, schema: { tags, security, summary: 'The site in numbers', response: { 200: StatsSchema, ...errorResponses(401, 403) } } },
    async () => siteStats(db.kysely),
  );

  app.get(
    '/admin/audit',
    {
      onRequest: hooks.staff,
      schema: {
        tags,
        security,
        summary: 'Who did what, when: newest first',
        querystring: AuditQuerySchema,
        response: { 200: AuditListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await offsetPage(request.query, (limit, offset) => listAudit(db.kysely, limit, offset));
      return { entries: page.items.map(auditEntryJson), next_offset: page.next_offset };
    },
  );
}
