import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses, type Db } from '@video/shared';
import { requireVisibleVideo } from '../http/visible-video.js';
import { listForExport } from './danmaku-repository.js';
import { POOL_CAP, VideoIdParamsSchema } from './danmaku-schemas.js';

const tags = ['danmaku'];

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// XML 1.0 cannot carry most C0 controls even escaped; they are dropped from the export.
const xmlText = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
/** Bilibili's modes: 1 scroll, 5 top, 4 bottom. */
const BILIBILI_MODE = [1, 5, 4];
/** Bilibili shows a hash of the sender, never the account: so does the export. */
const senderHash = (authorId: number) => createHash('sha256').update(`danmaku-author:${authorId}`).digest('hex').slice(0, 8);

/** Bilibili's XML danmaku format, which most danmaku tools (and players) read. */
export const exportRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/videos/:vid/danmaku.xml',
    {
      schema: {
        tags,
        summary: 'A video’s danmaku pool as Bilibili XML',
        params: VideoIdParamsSchema,
        response: { 200: Type.String({ description: 'application/xml' }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { vid } = request.params;
      await requireVisibleVideo(db, request, vid);
      const rows = await listForExport(db.kysely, vid, POOL_CAP);
      const lines = rows.map((r, i) => {
        const p = [
          r.time.toFixed(5),
          BILIBILI_MODE[r.type] ?? 1,
          25,
          r.color,
          Math.floor(r.create_time / 1000),
          0,
          senderHash(r.author_id),
          i + 1,
        ].join(',');
        return `  <d p="${p}">${xmlText(r.text)}</d>`;
      });
      const body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<i>',
        `  <chatid>${xmlText(vid)}</chatid>`,
        `  <maxlimit>${POOL_CAP}</maxlimit>`,
        ...lines,
        '</i>',
        '',
      ].join('\n');
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${vid}.xml"`)
        .send(body);
    },
  );
};
