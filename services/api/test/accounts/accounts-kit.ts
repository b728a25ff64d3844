import type { FastifyInstance } from 'fastify';
import type { Config, DialectName } from '@video/shared';
import { expect } from 'vitest';
import { buildTestApp, signUp, uniqueName, type TestApp } from '../helper.js';
import { startSmtpCapture, tokenIn, type CapturedMail } from './smtp-capture.js';

export type Capture = Awaited<ReturnType<typeof startSmtpCapture>>;

export interface Kit {
  t: TestApp;
  smtp: Capture;
  close(): Promise<void>;
}

/** The api with smtp_url pointing at an in-process SMTP server. */
export async function startKit(dialect: DialectName, overrides: Partial<Config> = {}): Promise<Kit> {
  const smtp = await startSmtpCapture();
  const t = await buildTestApp(dialect, { smtp_url: smtp.url, public_url: 'https://video.example/', ...overrides });
  return {
    t,
    smtp,
    close: async () => {
      await t.close();
      await smtp.close();
    },
  };
}

/** Waits (at most 5 s) until `count` mails to `to` have arrived, and returns them. */
export async function mailsTo(smtp: Capture, to: string, count = 1): Promise<CapturedMail[]> {
  const deadline = Date.now() + 5000;
  for (let i = 0; i < 500 && Date.now() < deadline; i += 1) {
    const got = smtp.to(to);
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`expected ${count} mail(s) to ${to}, got ${smtp.to(to).length}`);
}

/** Gives pending background mails time to leave (for asserting that none was sent). */
export const settle = () => new Promise((r) => setTimeout(r, 300));

export const auth = (sid: string) => ({ 'x-session-id': sid });
export const userUrl = (name: string, rest = '') => `/user/${encodeURIComponent(name)}${rest}`;

export function uniqueEmail(prefix = 'm'): string {
  return `${uniqueName(prefix).toLowerCase()}@example.test`;
}

export async function setEmail(app: FastifyInstance, user: { name: string; sid: string }, email: string) {
  return app.inject({ method: 'PATCH', url: userUrl(user.name), headers: auth(user.sid), payload: { email } });
}

/** A user whose address is set and verified through the mailed link. */
export async function verifiedUser(kit: Kit, pwd = 'secret-pwd') {
  const user = await signUp(kit.t.app, uniqueName('v'), pwd);
  const email = uniqueEmail();
  expect((await setEmail(kit.t.app, user, email)).statusCode).toBe(200);
  const [mail] = await mailsTo(kit.smtp, email);
  const res = await kit.t.app.inject({ method: 'POST', url: '/email-verification', payload: { token: tokenIn(mail!.raw, '/verify-email?token=') } });
  expect(res.statusCode, res.body).toBe(204);
  return { ...user, email, pwd };
}

export async function me(app: FastifyInstance, user: { name: string; sid: string }) {
  return app.inject({ method: 'GET', url: userUrl(user.name), headers: auth(user.sid) });
}
