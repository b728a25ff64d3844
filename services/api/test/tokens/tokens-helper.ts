import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export interface Pair {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

export async function issueTokens(app: FastifyInstance, name: string, pwd = 'secret-pwd'): Promise<Pair> {
  const res = await app.inject({ method: 'POST', url: '/tokens', payload: { user_name: name, pwd } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Pair;
}

export function refresh(app: FastifyInstance, refreshToken: string) {
  return app.inject({ method: 'POST', url: '/tokens/refresh', payload: { refresh_token: refreshToken } });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET /session with a bearer token: 200 or the error the api answered. */
export function whoAmI(app: FastifyInstance, token: string) {
  return app.inject({ method: 'GET', url: '/session', headers: bearer(token) });
}

/** The JSON of a JWT segment (header or payload), and back. */
export const decodeSegment = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
export const encodeSegment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
