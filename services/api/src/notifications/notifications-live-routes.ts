import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import { rateLimitAddress, requireUser, tooManyRequests, type Db } from '@video/shared';
import { userAuth } from '../http/auth-hooks.js';
import { socketsPerAddress } from '../danmaku/live-routes.js';
import type { Listener, NotificationHub } from './notification-hub.js';

export interface LiveNotificationsOptions {
  db: Db;
  hub: NotificationHub;
  /** Open notification sockets per client address on this instance (`ws_max_per_address`). */
  maxPerAddress: number;
}

const MAX_BUFFERED_BYTES = 1 << 20;
const TRY_AGAIN_LATER = 1013;

/**
 * `GET /notifications/ws`: the signed-in user's bell. The session (X-Session-Id or the cookie) is
 * checked before the upgrade (401 as plain HTTP), and the user's channel is subscribed before it,
 * so a socket that is open misses no notification stored from then on.
 */
export const liveNotificationsRoutes: FastifyPluginAsyncTypebox<LiveNotificationsOptions> = async (app, { db, hub, maxPerAddress }) => {
  const sockets = socketsPerAddress();
  app.get(
    '/notifications/ws',
    {
      websocket: true,
      preHandler: async (request) => {
        if (sockets.count(rateLimitAddress(request.ip)) >= maxPerAddress) throw tooManyRequests(10, 'too many live sockets from this address');
        request.sessionUser = await requireUser(userAuth(db, request), request.headers);
        await hub.prepare(request.sessionUser.user_id);
      },
      schema: { tags: ['notifications'], summary: 'Your notifications as they happen (WebSocket)' },
    },
    (socket: WebSocket, request) => {
      const address = rateLimitAddress(request.ip);
      const user = request.sessionUser;
      if (!user || sockets.count(address) >= maxPerAddress) {
        socket.close(TRY_AGAIN_LATER, 'too many sockets from this address');
        return;
      }
      sockets.hold(address, socket);
      const listener: Listener = {
        userId: user.user_id,
        sessionId: user.session_id,
        expiresAt: user.expires_at,
        send: (message) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.terminate();
          else socket.send(message);
        },
        close: (code, reason) => socket.close(code, reason),
      };
      hub.join(listener);
      socket.on('error', (err) => request.log.info({ err }, 'notification socket error'));
      socket.on('close', () => hub.leave(listener));
    },
  );
};
