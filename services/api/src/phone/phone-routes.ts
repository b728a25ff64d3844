import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest, findUserById, rateLimitAddress, type Db } from '@video/shared';
import { authHooks, sessionUserOf } from '../http/auth-hooks.js';
import { errorResponses } from '../http/common-schemas.js';
import { sessionSecurity as security, type ApiApp } from '../http/route-types.js';
import type { PhoneLimits } from './phone-limits.js';
import { isE164Phone } from './phone-number.js';
import type { PhoneService } from './phone-service.js';

export interface PhoneRoutesOptions {
  db: Db;
  phone: PhoneService;
  limits: PhoneLimits;
}

const tags = ['phone'];
const PhoneSchema = Type.String({ minLength: 1, maxLength: 32, description: 'E.164, e.g. +14155552671' });
const CodeSchema = Type.String({ minLength: 1, maxLength: 16 });
const PhoneCodeBody = Type.Object({ phone: PhoneSchema, code: CodeSchema });
const UserParams = Type.Object({ username: Type.String() });
const OwnPhoneSchema = Type.Object({ phone: Type.Union([Type.String(), Type.Null()]) });

function checkPhone(phone: string): void {
  if (!isE164Phone(phone)) throw badRequest('body.phone must be a valid number in E.164 form, e.g. +14155552671');
}

/** A code is six digits; anything else can never match, and is said so without touching a code. */
function checkCode(code: string): void {
  if (!/^\d{6}$/.test(code)) throw badRequest('body.code must be the 6 digits of the text message');
}

export const phoneRoutes: FastifyPluginAsyncTypebox<PhoneRoutesOptions> = async (app, opts) => {
  signInRoutes(app, opts);
  ownPhoneRoutes(app, opts);
};

function signInRoutes(app: ApiApp, { phone, limits }: PhoneRoutesOptions): void {
  app.post(
    '/phone/code',
    {
      schema: {
        tags,
        summary: 'Texts a 6-digit sign-in code (valid 5 minutes) to the number',
        body: Type.Object({ phone: PhoneSchema }),
        response: { 202: Type.Object({ success: Type.Literal(true) }), ...errorResponses(400, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      checkPhone(request.body.phone);
      await limits.code(request, request.body.phone);
      await phone.sendCode(request.body.phone, rateLimitAddress(request.ip));
      return reply.code(202).send({ success: true });
    },
  );

  app.post(
    '/phone/signin',
    {
      onRequest: (request) => limits.attempt(request),
      schema: {
        tags,
        summary: 'Signs in with a texted code; the account is created on first use',
        body: PhoneCodeBody,
        response: { 200: Type.Object({ success: Type.Literal(true), session_id: Type.String(), user_name: Type.String() }), ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      checkPhone(request.body.phone);
      checkCode(request.body.code);
      return { success: true as const, ...(await phone.signIn(request.body.phone, request.body.code)) };
    },
  );

}

function ownPhoneRoutes(app: ApiApp, { db, phone, limits }: PhoneRoutesOptions): void {
  const auth = authHooks(db);
  app.get(
    '/user/:username/phone',
    {
      onRequest: auth.ownUser,
      schema: { tags, security, summary: "The account's phone number (only its owner sees it)", params: UserParams, response: { 200: OwnPhoneSchema, ...errorResponses(401, 403) } },
    },
    async (request) => {
      const row = await findUserById(db.kysely, sessionUserOf(request).user_id);
      return { phone: row?.phone ?? null };
    },
  );

  app.post(
    '/user/:username/phone',
    {
      onRequest: [auth.ownUser, (request) => limits.attempt(request)],
      schema: {
        tags,
        security,
        summary: 'Adds or changes the account\'s phone number with a code texted to it',
        params: UserParams,
        body: PhoneCodeBody,
        response: { 200: OwnPhoneSchema, ...errorResponses(400, 401, 403, 409, 413, 429) },
      },
    },
    async (request) => {
      checkPhone(request.body.phone);
      checkCode(request.body.code);
      await phone.addToAccount(sessionUserOf(request).user_id, request.body.phone, request.body.code);
      return { phone: request.body.phone };
    },
  );

  app.delete(
    '/user/:username/phone',
    {
      onRequest: auth.ownUser,
      schema: { tags, security, summary: 'Removes the phone number (409 when it is the last way to sign in)', params: UserParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 409) } },
    },
    async (request, reply) => {
      await phone.removeFromAccount(sessionUserOf(request).user_id);
      return reply.code(204).send(null);
    },
  );
}
