import type { FastifyRequest } from 'fastify';
import { ApiGateway } from './api-gateway.js';
import type { UpstreamClient, UpstreamResponse } from '../proxy/upstream-client.js';

export interface VerifiedIdentity {
  provider: string;
  subject: string;
  nameHint?: string;
}

/**
 * The api's internal identity routes, called with X-Internal-Token once the web has checked a
 * provider's answer; and the phone sign-in, whose session the web turns into the cookie.
 */
export class IdentityGateway {
  constructor(
    private readonly client: UpstreamClient,
    private readonly internalToken: string,
  ) {}

  private post(request: FastifyRequest, path: string, body: unknown, extra: Record<string, string> = {}): Promise<UpstreamResponse> {
    return this.client.request({
      method: 'POST',
      path,
      headers: ApiGateway.forwarded(request, { 'content-type': 'application/json', ...extra }),
      body: JSON.stringify(body),
    });
  }

  private internal(request: FastifyRequest, path: string, id: VerifiedIdentity, extra: Record<string, string> = {}): Promise<UpstreamResponse> {
    const body = { provider: id.provider, subject: id.subject, ...(id.nameHint ? { name_hint: id.nameHint } : {}) };
    return this.post(request, path, body, { 'x-internal-token': this.internalToken, ...extra });
  }

  signIn(request: FastifyRequest, id: VerifiedIdentity): Promise<UpstreamResponse> {
    return this.internal(request, '/internal/identities/signin', id);
  }

  link(request: FastifyRequest, sessionId: string, id: VerifiedIdentity): Promise<UpstreamResponse> {
    return this.internal(request, '/internal/identities/link', id, { 'x-session-id': sessionId });
  }

  phoneSignIn(request: FastifyRequest, phone: string, code: string): Promise<UpstreamResponse> {
    return this.post(request, '/phone/signin', { phone, code });
  }
}
