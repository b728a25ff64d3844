import type { IncomingHttpHeaders } from 'node:http';
import { Type, type Static } from '@sinclair/typebox';

/** The web keeps the browser's session id in this HttpOnly cookie. */
export const SESSION_COOKIE = 'session';

/** The session id a request carries: the X-Session-Id header, else the web's `session` cookie. */
export function sessionIdFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-session-id'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const cookie = headers.cookie;
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      try {
        const value = decodeURIComponent(part.slice(eq + 1).trim());
        return value === '' ? undefined : value;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** GET /session's answer: who is signed in, and until when. */
export const SessionInfoSchema = Type.Object({
  id: Type.Integer({ description: 'the signed-in user id' }),
  user_name: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]),
  expires_at: Type.String({ format: 'date-time' }),
});
export type SessionInfo = Static<typeof SessionInfoSchema>;
