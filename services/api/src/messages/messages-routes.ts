import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeCursor, type Db, type PageQuery } from '@video/shared';
import { authHooks, sessionUserOf, type AuthHooks } from '../http/auth-hooks.js';
import { UserParamsSchema, errorResponses } from '../http/common-schemas.js';
import { trimmedText } from '../http/input.js';
import { retryLater, type LimitHook, type LimiterFactory } from '../http/rate-limits.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import {
  ConversationListSchema,
  ConversationsQuerySchema,
  MessageSchema,
  NewMessageSchema,
  ThreadParamsSchema,
  ThreadQuerySchema,
  ThreadSchema,
} from './messages-schemas.js';
import { createMessagesService, type MessagesService } from './messages-service.js';
import type { EmailGate } from '../accounts/email-gate.js';

export interface MessagesRoutesOptions {
  db: Db;
  limiter: LimiterFactory;
  /** Messages per sender per minute (the contract's 30). */
  perMinute?: number;
  /** require_email_verification (accounts/email-gate.ts). */
  gate?: EmailGate;
}

const tags = ['messages'];

/** Site messages: send, the conversation list, and one conversation (which marks it read). */
export const messagesRoutes: FastifyPluginAsyncTypebox<MessagesRoutesOptions> = async (app, opts) => {
  const { db } = opts;
  const auth = authHooks(db);
  const messages = createMessagesService(db, opts.gate);
  const counter = opts.limiter({ name: 'message-user', max: opts.perMinute ?? 30, windowMs: 60_000 });
  const perSender: LimitHook = async (request) => {
    const wait = await counter.take(String(sessionUserOf(request).user_id));
    if (wait > 0) throw retryLater(wait, 'too many messages');
  };
  sendRoute(app, auth, messages, perSender);
  readRoutes(app, auth, messages);
};

function sendRoute(app: ApiApp, auth: AuthHooks, messages: MessagesService, perSender: LimitHook): void {
  app.post(
    '/user/:username/messages',
    {
      onRequest: auth.ownUser,
      preHandler: perSender,
      schema: {
        tags,
        security,
        summary: 'Send a site message to another user',
        params: UserParamsSchema,
        body: NewMessageSchema,
        response: { 201: MessageSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const content = trimmedText('content', request.body.content, 2000);
      return reply.code(201).send(await messages.send(sessionUserOf(request), request.body.to, content));
    },
  );
}

function readRoutes(app: ApiApp, auth: AuthHooks, messages: MessagesService): void {
  app.get(
    '/user/:username/conversations',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Your conversations, the latest first',
        params: UserParamsSchema,
        querystring: ConversationsQuerySchema,
        response: { 200: ConversationListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ conversations: await messages.conversations(sessionUserOf(request), request.query.limit) }),
  );

  app.get(
    '/user/:username/conversations/:name',
    {
      onRequest: auth.ownUser,
      schema: {
        tags,
        security,
        summary: 'Your conversation with a user, newest first; marks what they sent you read',
        params: ThreadParamsSchema,
        querystring: ThreadQuerySchema,
        response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const page: PageQuery = { limit: request.query.limit };
      if (request.query.cursor !== undefined) page.before = decodeCursor(request.query.cursor, 'messages');
      const result = await messages.thread(sessionUserOf(request), request.params.name, page);
      return { messages: result.items, next_cursor: result.next_cursor };
    },
  );
}
