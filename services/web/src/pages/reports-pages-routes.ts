import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { downPage, layoutOf, lookup, type PagesOptions } from './page-context.js';
import { signinPath } from './page-models.js';

const STATES = ['open', 'resolved', 'dismissed'] as const;
const QuerySchema = Type.Object({ state: Type.Optional(Type.String({ maxLength: 32 })) });

/**
 * `/admin/reports`: the moderators' queue of reports. The page is a shell; its script reads and
 * decides the reports through the api (which checks the role again on every call).
 */
export async function reportsPagesRoutes(appBase: FastifyInstance, opts: PagesOptions): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 403: Type.String(), 503: Type.String() };
  app.get('/admin/reports', { schema: { querystring: QuerySchema, response: html } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const viewer = await lookup(request, reply, opts);
    if ('down' in viewer) return downPage(reply, viewer);
    if (!viewer.user) return reply.redirect(signinPath('/admin/reports'), 302);
    if (viewer.user.role !== 'moderator' && viewer.user.role !== 'admin') {
      return reply.code(403).view('error', {
        ...layoutOf(viewer),
        title: 'Not allowed',
        heading: 'Moderators only',
        message: 'This page is for the site’s moderators and admins.',
      });
    }
    const wanted = request.query.state ?? 'open';
    const state = (STATES as readonly string[]).includes(wanted) ? wanted : 'open';
    return reply.view('admin-reports', {
      ...layoutOf(viewer),
      title: 'Reports',
      state,
      tabs: STATES.map((s) => ({ state: s, label: s[0]!.toUpperCase() + s.slice(1), href: `/admin/reports?state=${s}`, current: s === state })),
    });
  });
}
