import type { DialectName } from '@video/shared';
import { startSmtpCapture, tokenIn } from '../../../api/test/accounts/smtp-capture.js';
import { startStack, type Stack } from '../stack.js';

export { tokenIn };
export type Capture = Awaited<ReturnType<typeof startSmtpCapture>>;

/** The whole site with its mail going to an in-process SMTP server. */
export async function startMailStack(dialect: DialectName): Promise<{ stack: Stack; smtp: Capture; close(): Promise<void> }> {
  const smtp = await startSmtpCapture();
  const stack = await startStack(dialect, { smtp_url: smtp.url, public_url: 'http://site.example' });
  return {
    stack,
    smtp,
    close: async () => {
      await stack.close();
      await smtp.close();
    },
  };
}

/** Waits (at most 5 s) for the `count`-th mail to `to`. */
export async function nthMail(smtp: Capture, to: string, count = 1): Promise<string> {
  for (let i = 0; i < 500; i += 1) {
    const got = smtp.to(to);
    if (got.length >= count) return got[count - 1]!.raw;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no mail ${count} to ${to}`);
}

/** Signs up through the web's own form route; returns the session cookie. */
export async function webSignUp(base: string, userName: string, pwd = 'secret-pwd'): Promise<string> {
  const res = await fetch(`${base}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_name: userName, pwd }) });
  if (res.status !== 201) throw new Error(`sign-up ${res.status}`);
  const cookie = /session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

export async function webSignIn(base: string, userName: string, pwd: string): Promise<{ status: number; cookie?: string }> {
  const res = await fetch(`${base}/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_name: userName, pwd }) });
  return { status: res.status, cookie: /session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] };
}

/** A request to the site with the session cookie. */
export function withCookie(base: string, cookie: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { cookie: `session=${cookie}`, ...(init.headers as Record<string, string> | undefined) } });
}

export const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
