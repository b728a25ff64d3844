import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import { errorResponses, findLiveVideo, notFound, rateLimitAddress, tooManyRequests, type Db } from '@video/shared';
import type { LiveHub, Viewer } from './live-hub.js';
import {
  LiveQuerySchema,
  VideoIdParamsSchema,
  ViewersBatchQuerySchema,
  ViewersBatchSchema,
  ViewersSchema,
} from './danmaku-schemas.js';

export interface LiveRoutesOptions {
  db: Db;
  hub: LiveHub;
  /** Open live sockets per client address on this instance (`ws_max_per_address`). */
  maxPerAddress: number;
}

const tags = ['danmaku'];
const MAX_BUFFERED_BYTES = 1 << 20;
/** Closed for "try again later" (RFC 6455 1013) when an address already holds its share of sockets. */
const TRY_AGAIN_LATER = 1013;

/** The live layer: a WebSocket per open player, and "watching now" counts for pages and cards. */
export const liveRoutes: FastifyPluginAsyncTypebox<LiveRoutesOptions> = async (app, { db, hub, maxPerAddress }) => {
  // Sockets per address (IPv6 by /64): one client must not hold the instance's sockets and memory.
  const open = new Map<string, number>();
  const openCount = (address: string) => open.get(address) ?? 0;

  app.get(
    '/danmaku/ws',
    {
      websocket: true,
      // Runs before the upgrade: an unknown video is a plain HTTP 404, no socket is opened.
      preHandler: async (request) => {
        const { id } = request.query as { id: string };
        if (openCount(rateLimitAddress(request.ip)) >= maxPerAddress) throw tooManyRequests(10, 'too many live sockets from this address');
        if (!(await findLiveVideo(db.kysely, id))) throw notFound('no such video');
      },
      schema: { tags, summary: 'Join a video’s live room (WebSocket)', querystring: LiveQuerySchema },
    },
    (socket: WebSocket, request) => {
      // Counted again here, synchronously: several upgrades may have passed the check at once.
      const address = rateLimitAddress(request.ip);
      if (openCount(address) >= maxPerAddress) {
        socket.close(TRY_AGAIN_LATER, 'too many sockets from this address');
        return;
      }
      open.set(address, openCount(address) + 1);
      socket.once('close', () => {
        const left = openCount(address) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
      let lastPong = 0;
      const viewer: Viewer = {
        videoId: request.query.id,
        member: hub.nextMember(),
        lastSeen: Date.now(),
        send: (message) => {
          if (socket.readyState !== socket.OPEN) return;
          // A client that stops reading must not make the server buffer for it without end.
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.terminate();
          else socket.send(message);
        },
        close: (code, reason) => socket.close(code, reason),
      };
      // Listeners first: a message or a close may arrive while the join is still on its way.
      socket.on('message', (raw, isBinary) => {
        hub.touch(viewer);
        if (isBinary) return;
        let message: unknown;
        try {
          message = JSON.parse(raw.toString());
        } catch {
          return;
        }
        // One pong a second at most: a flood of pings earns no flood of answers.
        if ((message as { type?: unknown } | null)?.type === 'ping' && Date.now() - lastPong >= 1000) {
          lastPong = Date.now();
          viewer.send('{"type":"pong"}');
        }
      });
      socket.on('error', (err) => request.log.info({ err }, 'viewer socket error'));
      const joined = hub.join(viewer);
      socket.on('close', () => {
        void joined.then(() => hub.leave(viewer));
      });
    },
  );

  app.get(
    '/videos/:vid/viewers',
    {
      schema: {
        tags,
        summary: 'How many are watching a video now, over every instance',
        params: VideoIdParamsSchema,
        response: { 200: ViewersSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      if (!(await findLiveVideo(db.kysely, request.params.vid))) throw notFound('no such video');
      const [viewers] = await hub.counts([request.params.vid]);
      return { viewers: viewers ?? 0 };
    },
  );

  app.get(
    '/viewers',
    {
      schema: {
        tags,
        summary: 'Watching-now counts of several videos (list cards); unknown ids count 0',
        querystring: ViewersBatchQuerySchema,
        response: { 200: ViewersBatchSchema, ...errorResponses(400) },
      },
    },
    async (request) => {
      const ids = [...new Set(request.query.ids.split(','))];
      const counts = await hub.counts(ids);
      return { viewers: Object.fromEntries(ids.map((id, i) => [id, counts[i] ?? 0])) };
    },
  );
};
