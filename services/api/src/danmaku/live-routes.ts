import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { errorResponses, optionalSession, rateLimitAddress, sessionIdFromHeaders, tooManyRequests, type Db } from '@video/shared';
import { requireVisibleVideo } from '../http/visible-video.js';
import type { ApiApp } from '../http/route-types.js';
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
export const liveRoutes: FastifyPluginAsyncTypebox<LiveRoutesOptions> = async (app, opts) => {
  liveSocketRoute(app, opts);
  viewersRoute(app, opts);
  viewersBatchRoute(app, opts);
};

/** Sockets per address (IPv6 by /64): one client must not hold the instance's sockets and memory. */
export function socketsPerAddress() {
  const open = new Map<string, number>();
  const count = (address: string) => open.get(address) ?? 0;
  return {
    count,
    /** Counts a socket of `address` until it closes. */
    hold(address: string, socket: WebSocket) {
      open.set(address, count(address) + 1);
      socket.once('close', () => {
        const left = count(address) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    },
  };
}

function liveSocketRoute(app: ApiApp, { db, hub, maxPerAddress }: LiveRoutesOptions): void {
  const sockets = socketsPerAddress();
  app.get(
    '/danmaku/ws',
    {
      websocket: true,
      // Runs before the upgrade: an unknown video is a plain HTTP 404, no socket is opened.
      preHandler: async (request) => {
        const { id } = request.query as { id: string };
        if (sockets.count(rateLimitAddress(request.ip)) >= maxPerAddress) throw tooManyRequests(10, 'too many live sockets from this address');
        // Who is behind the socket, so that a ban can close it.
        request.sessionUser = await optionalSession(db, sessionIdFromHeaders(request.headers));
        await requireVisibleVideo(db, request, id);
      },
      schema: { tags, summary: 'Join a video’s live room (WebSocket)', querystring: LiveQuerySchema },
    },
    (socket: WebSocket, request) => {
      // Counted again here, synchronously: several upgrades may have passed the check at once.
      const address = rateLimitAddress(request.ip);
      if (sockets.count(address) >= maxPerAddress) {
        socket.close(TRY_AGAIN_LATER, 'too many sockets from this address');
        return;
      }
      sockets.hold(address, socket);
      serveViewer(socket, request.query.id, request.sessionUser?.user_id ?? null, hub, request.log);
    },
  );
}

/** One open player: heartbeats keep it counted, pings get a pong, pushes go out while it reads them. */
function serveViewer(socket: WebSocket, videoId: string, userId: number | null, hub: LiveHub, log: FastifyBaseLogger): void {
  let lastPong = 0;
  const viewer: Viewer = {
    videoId,
    userId,
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
  socket.on('error', (err) => log.info({ err }, 'viewer socket error'));
  const joined = hub.join(viewer);
  socket.on('close', () => {
    void joined.then(() => hub.leave(viewer));
  });
}

function viewersRoute(app: ApiApp, { db, hub }: LiveRoutesOptions): void {
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
      await requireVisibleVideo(db, request, request.params.vid);
      const [viewers] = await hub.counts([request.params.vid]);
      return { viewers: viewers ?? 0 };
    },
  );
}

function viewersBatchRoute(app: ApiApp, { hub }: LiveRoutesOptions): void {
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
}
