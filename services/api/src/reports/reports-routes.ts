import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { forbidden, requireSession, sessionIdFromHeaders, type Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { requireSafeIntegers } from '../http/pagination.js';
import { retryLater, type LimiterFactory } from '../http/rate-limits.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import { AdminReportListSchema, AdminReportSchema, AdminReportsQuerySchema, DecisionSchema, NewReportSchema, ReportParamsSchema, ReportSchema } from './reports-schemas.js';
import { createReportsService, type ReportsService } from './reports-service.js';
import { danmakuListRoute } from './danmaku-list-route.js';

export interface ReportsRoutesOptions {
  db: Db;
  limiter: LimiterFactory;
  /** config auto_hide_reports */
  autoHide: number;
  /** Reports per user per hour. */
  perHour?: number;
}

export const REPORTS_PER_HOUR = 30;
const tags = ['reports'];

/** A signed-in moderator or admin, else 401 / 403 before the input is looked at. */
export function moderatorHook(db: Db) {
  return async (request: FastifyRequest) => {
    const user = await requireSession(db, sessionIdFromHeaders(request.headers));
    if (user.role !== 'moderator' && user.role !== 'admin') throw forbidden('only moderators and admins may do this');
    request.sessionUser = user;
  };
}

/** Users report videos, comments, danmaku and users; moderators list and decide the reports. */
export const reportsRoutes: FastifyPluginAsyncTypebox<ReportsRoutesOptions> = async (app, opts) => {
  const reports = createReportsService(opts.db, { autoHide: opts.autoHide });
  const counter = opts.limiter({ name: 'report-user', max: opts.perHour ?? REPORTS_PER_HOUR, windowMs: 3_600_000 });
  const limit = async (request: FastifyRequest) => {
    const wait = await counter.take(String(sessionUserOf(request).user_id));
    if (wait > 0) throw retryLater(wait, 'too many reports');
  };
  const auth = authHooks(opts.db);
  const moderator = moderatorHook(opts.db);
  app.post(
    '/reports',
    {
      onRequest: auth.anyUser,
      preHandler: limit,
      schema: {
        tags,
        security,
        summary: 'Report a video, a comment, a danmaku or a user to the moderators (one open report per target and reporter)',
        body: NewReportSchema,
        response: { 201: ReportSchema, ...errorResponses(400, 401, 404, 409, 429) },
      },
    },
    async (request, reply) => reply.code(201).send(await reports.create(sessionUserOf(request), request.body)),
  );
  listRoute(app, reports, moderator);
  await app.register(danmakuListRoute, { db: opts.db });
  decideRoute(app, reports, moderator);
};

function listRoute(app: ApiApp, reports: ReportsService, moderator: ReturnType<typeof moderatorHook>): void {
  app.get(
    '/admin/reports',
    {
      onRequest: moderator,
      schema: {
        tags,
        security,
        summary: 'Reports in one state (open unless ?state= says otherwise), newest first (moderators and admins)',
        querystring: AdminReportsQuerySchema,
        response: { 200: AdminReportListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireSafeIntegers(request.query, ['limit']);
      const page = await reports.list(request.query.state ?? 'open', request.query);
      return { reports: page.items, next_cursor: page.next_cursor };
    },
  );
}

function decideRoute(app: ApiApp, reports: ReportsService, moderator: ReturnType<typeof moderatorHook>): void {
  app.patch(
    '/admin/reports/:id',
    {
      onRequest: moderator,
      schema: {
        tags,
        security,
        summary: 'Decide an open report: resolved (acted on) or dismissed (moderators and admins); written to the audit log',
        params: ReportParamsSchema,
        body: DecisionSchema,
        response: { 200: AdminReportSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => reports.decide(sessionUserOf(request), request.params.id, request.body.state, request.body.note),
  );
}
