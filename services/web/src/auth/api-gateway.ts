import type { FastifyRequest } from 'fastify';
import { internalError, unavailable, type SessionInfo } from '@video/shared/contract';
import { upstreamHeaders } from '../proxy/upstream-headers.js';
import { UpstreamClient, parseJson, type UpstreamResponse } from '../proxy/upstream-client.js';

export type { SessionInfo };

/** The api calls the web's own routes make (sign-up, sign-in, who is signed in, sign-out). */
export class ApiGateway {
  constructor(readonly client: UpstreamClient) {}

  /** Headers the api sees on the web's behalf: the client's address for per-address limits. */
  static forwarded(request: FastifyRequest, extra: Record<string, string> = {}): Record<string, string> {
    return { ...upstreamHeaders({}, {}, { ip: request.ip, requestId: String(request.id) }), ...extra };
  }

  signUp(request: FastifyRequest, userName: string, pwd: string): Promise<UpstreamResponse> {
    return this.client.request({
      method: 'POST',
      path: '/user',
      headers: ApiGateway.forwarded(request, { 'content-type': 'application/json' }),
      body: JSON.stringify({ user_name: userName, pwd }),
    });
  }

  signIn(request: FastifyRequest, userName: string, pwd: string): Promise<UpstreamResponse> {
    return this.client.request({
      method: 'POST',
      path: `/user/${encodeURIComponent(userName)}`,
      headers: ApiGateway.forwarded(request, { 'content-type': 'application/json' }),
      body: JSON.stringify({ user_name: userName, pwd }),
    });
  }

  /** The session's user, or null when the session is unknown or expired (the api's 401). */
  async session(request: FastifyRequest, sessionId: string): Promise<SessionInfo | null> {
    const res = await this.client.request({
      method: 'GET',
      path: '/session',
      headers: ApiGateway.forwarded(request, { 'x-session-id': sessionId }),
    });
    if (res.status === 200) {
      const body = parseJson(res.text) as SessionInfo | undefined;
      if (body && typeof body.user_name === 'string') return body;
    }
    if (res.status === 401 || res.status === 400) return null;
    if (res.status === 503) throw unavailable('the api service is unavailable, try again shortly');
    throw internalError(`api GET /session answered ${res.status}`);
  }

  signOut(request: FastifyRequest, sessionId: string): Promise<UpstreamResponse> {
    return this.client.request({
      method: 'DELETE',
      path: '/session',
      headers: ApiGateway.forwarded(request, { 'x-session-id': sessionId }),
    });
  }
}
