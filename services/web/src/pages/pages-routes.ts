import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { downPage, lookup, type PagesOptions } from './page-context.js';
import { PublicApi } from './public-api.js';
import { HLS_SCRIPT } from './assets-plugin.js';
import { playerLogo } from './watch-media.js';
import { feedPagesRoutes } from './feed-pages-routes.js';
import { watchPagesRoutes } from './watch-pages-routes.js';
import { libraryPagesRoutes } from './library-pages-routes.js';
import { socialPagesRoutes } from './social-pages-routes.js';
import { adminPagesRoutes } from './admin-pages-routes.js';

export async function pagesRoutes(appBase: FastifyInstance, opts: PagesOptions): Promise<void> {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const html = { 200: Type.String(), 302: Type.Null(), 503: Type.String() };

  // Pages depend on the session, so no cache may keep them.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  const deps = { ...opts, pub: new PublicApi(opts.api) };
  await app.register(feedPagesRoutes, deps);
  await app.register(watchPagesRoutes, deps);
  await app.register(socialPagesRoutes, deps);
  await app.register(libraryPagesRoutes, deps);
  await app.register(adminPagesRoutes, deps);

  app.get('/userhome', { schema: { response: html } }, async (request, reply) => {
    const viewer = await lookup(request, reply, opts);
    if ('down' in viewer) return downPage(reply, viewer);
    if (!viewer.user) return reply.redirect('/', 302);
    return reply.view('userhome', {
      title: viewer.user.user_name,
      userName: viewer.user.user_name,
      maxUploadMb: opts.config.max_upload_mb,
      hlsScript: HLS_SCRIPT,
      playerLogo: playerLogo(opts.config.player_logo),
    });
  });
}
