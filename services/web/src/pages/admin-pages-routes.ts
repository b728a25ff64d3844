import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { downPage, layoutOf, lookup, type PageDeps } from './page-context.js';
import { signinPath } from './page-models.js';

/** The sections of /admin, in the nav's order; Reports is a page of its own (/admin/reports). */
export const ADMIN_SECTIONS = [
  { id: 'users', label: 'Users', href: '/admin/users' },
  { id: 'videos', label: 'Videos', href: '/admin/videos' },
  { id: 'reports', label: 'Reports', href: '/admin/reports' },
  { id: 'tasks', label: 'Tasks', href: '/admin/tasks' },
  { id: 'stats', label: 'Stats', href: '/admin/stats' },
  { id: 'audit', label: 'Audit', href: '/admin/audit' },
] as const;

const PAGES = ['users', 'videos', 'tasks', 'stats', 'audit'] as const;
const TITLES: Record<(typeof PAGES)[number], string> = { users: 'Users', videos: 'Videos', tasks: 'Tasks', stats: 'Stats', audit: 'Audit log' };

/**
 * `/admin/*`: the moderation pages. A visitor is sent to sign in; a signed-in user who is neither a
 * moderator nor an admin gets a 403 page. The page itself is a shell: its script reads and changes
 * everything through /api/admin/*, which checks the role again on every call.
 */
export async function adminPagesRoutes(appBase: FastifyInstance, deps: PageDeps): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 403: Type.String(), 503: Type.String() };

  app.get('/admin', { schema: { response: { 302: Type.Null() } } }, async (_request, reply) => reply.redirect('/admin/users', 302));

  for (const section of PAGES) {
    app.get(`/admin/${section}`, { schema: { response: html } }, async (request, reply) => {
      const viewer = await lookup(request, reply, deps);
      if ('down' in viewer) return downPage(reply, viewer);
      if (!viewer.user) return reply.redirect(signinPath(`/admin/${section}`), 302);
      const role = viewer.user.role;
      if (role !== 'moderator' && role !== 'admin') {
        return reply.code(403).view('error', {
          ...layoutOf(viewer),
          title: 'Not allowed',
          heading: 'This page is for moderators',
          message: 'Your account cannot open the moderation pages. If you think it should, ask an admin.',
        });
      }
      return reply.view('admin', {
        ...layoutOf(viewer),
        title: `${TITLES[section]} · Admin`,
        section,
        role,
        sections: ADMIN_SECTIONS.map((s) => ({ ...s, current: s.id === section })),
        styles: ['/statics/css/admin.css'],
      });
    });
  }
}
