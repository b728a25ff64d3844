import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import fp from 'fastify-plugin';

const require = createRequire(import.meta.url);
const HLS_VERSION = (require('hls.js/package.json') as { version: string }).version;
const HLS_PREFIX = `/statics/vendor/hls-${HLS_VERSION}/`;
/** Where the pages load hls.js from. */
export const HLS_SCRIPT = `${HLS_PREFIX}hls.light.min.js`;

/**
 * Every page asset comes from this site. The policy forbids scripts from anywhere else and inline
 * scripts altogether, so even a missed escape cannot run injected code. DPlayer injects its own
 * <style> elements and style attributes, hence 'unsafe-inline' for styles only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

async function assets(app: FastifyInstance, opts: { templatesDir: string }): Promise<void> {
  const staticsDir = path.join(opts.templatesDir, 'statics');
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true, views: opts.templatesDir }) },
    root: opts.templatesDir,
    viewExt: 'eta',
    production: process.env.NODE_ENV === 'production',
  });
  await app.register(fastifyStatic, {
    root: staticsDir,
    prefix: '/statics/',
    index: false,
    maxAge: '1h',
  });
  // DPlayer's browser build, straight from its npm package: no CDN.
  const dplayerDist = path.dirname(require.resolve('dplayer'));
  await app.register(fastifyStatic, {
    root: dplayerDist,
    prefix: '/statics/vendor/',
    decorateReply: false,
    index: false,
    maxAge: '1d',
    allowedPath: (pathName) => /^\/DPlayer\.min\.js(\.map)?$/.test(pathName),
  });
  // tus-js-client's browser build (resumable uploads), likewise from its npm package.
  const tusDist = path.join(path.dirname(require.resolve('tus-js-client/package.json')), 'dist');
  // hls.js's light build (fMP4 and byte ranges, no alternate audio, subtitles or DRM: the site's
  // renditions need none of those) for DPlayer's `type: 'hls'`. The path names the version, so a
  // browser may keep it for a year.
  const hlsDist = path.join(path.dirname(require.resolve('hls.js/package.json')), 'dist');
  app.get(`${HLS_PREFIX}:file`, (request, reply) => {
    const { file } = request.params as { file: string };
    if (file !== 'hls.light.min.js' && file !== 'hls.light.min.js.map') return reply.callNotFound();
    return reply.sendFile(file, hlsDist, { maxAge: '365d', immutable: true });
  });
  app.get('/statics/vendor/tus.min.js', (_request, reply) => reply.sendFile('tus.min.js', tusDist, { maxAge: '1d' }));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });
}

/** Views, statics and page headers, visible to every route of the app (not encapsulated). */
export const assetsPlugin = fp(assets, { name: 'web-assets', fastify: '5.x' });
