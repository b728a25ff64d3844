import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { testDialects } from '@video/shared/testing';
import { ApiGateway } from '../../src/auth/api-gateway.js';
import { PublicApi } from '../../src/pages/public-api.js';
import { settingsExtras } from '../../src/pages/settings-extras.js';
import { UpstreamClient } from '../../src/proxy/upstream-client.js';
import { startSmsWebhook, type SmsWebhook } from '../../../api/test/phone/sms-webhook.js';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider.js';
import { startStack, type Stack } from '../stack.js';
import { CookieClient } from './browser-client.js';

let serial = 0;
const freshPhone = () => `+1415555${String(7000 + (serial += 1)).padStart(4, '0')}`;

describe.each(testDialects())('phone sign-in and the settings extras through the web on %s', (dialect) => {
  let stack: Stack;
  let sms: SmsWebhook;
  let idp: TestOidcProvider;
  const web = (path: string) => `${stack.webUrl}${path}`;

  beforeAll(async () => {
    sms = await startSmsWebhook();
    idp = await startOidcProvider();
    stack = await startStack(dialect, {
      internal_token: 'phone-web-token',
      sms_webhook_url: sms.url,
      oidc_providers: [
        { id: 'test', name: 'Test', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
        { id: 'other', name: 'Other', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
      ],
    });
  });
  afterAll(async () => {
    await stack?.close();
    await sms?.close();
    await idp?.close();
  });
  beforeEach(() => {
    sms.status = 204;
  });

  it('POST /signin/phone sets the session cookie from the api\'s answer; the body never carries the session id', async () => {
    const c = new CookieClient();
    const phone = freshPhone();
    expect((await c.post(web('/api/phone/code'), { phone })).status).toBe(202);
    const res = await c.post(web('/signin/phone'), { phone, code: sms.codeFor(phone) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.success).toBe(true);
    expect(body).not.toHaveProperty('session_id');
    const cookie = res.headers.getSetCookie().find((s) => s.startsWith('session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    const me = await c.get(web('/api/session'));
    expect(((await me.json()) as { user_name: string }).user_name).toBe(body.user_name);
  });

  it.each([
    ['a wrong code', (phone: string) => ({ phone, code: '000000' }), 401, '002'],
    ['a bad number', () => ({ phone: 'nope', code: '123456' }), 400, '001'],
    ['no code', (phone: string) => ({ phone }), 400, '001'],
  ])('%s is passed through (%i %s) with no cookie', async (_label, body, status, code) => {
    const c = new CookieClient();
    const res = await c.post(web('/signin/phone'), body(freshPhone()));
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error_code: string }).error_code).toBe(code);
    expect(c.jar.has('session')).toBe(false);
  });

  it('a cross-site POST is refused', async () => {
    const res = await fetch(web('/signin/phone'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ phone: freshPhone(), code: '123456' }),
    });
    expect(res.status).toBe(403);
  });

  it('429 with Retry-After from the api reaches the browser', async () => {
    let last: Response | undefined;
    const phone = freshPhone();
    for (let i = 0; i < 6; i += 1) last = await fetch(web('/api/phone/code'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('settingsExtras: every configured provider with its link state, and the account\'s phone', async () => {
    const c = new CookieClient();
    const phone = freshPhone();
    await c.post(web('/api/phone/code'), { phone });
    await c.post(web('/signin/phone'), { phone, code: sms.codeFor(phone) });
    idp.user = { sub: `settings-${Date.now()}` };
    await c.follow(web('/auth/test'));
    const sessionId = c.jar.get('session')!;
    const pub = new PublicApi(new ApiGateway(new UpstreamClient('api', stack.config.api_url)));
    const request = { server: stack.web, ip: '127.0.0.1', id: 'settings-test', log: stack.web.log } as unknown as FastifyRequest;
    const extras = await settingsExtras(request, sessionId, pub);
    expect(extras.phone).toBe(phone);
    expect(extras.phoneKnown).toBe(true);
    expect(extras.providers.map((p) => [p.id, p.name, p.linkedAt !== null])).toEqual([
      ['test', 'Test', true],
      ['other', 'Other', false],
    ]);
    expect(extras.identities).toEqual([]);
    const visitor = await settingsExtras(request, '00000000-0000-4000-8000-000000000000', pub);
    expect(visitor).toEqual({ providers: [expect.objectContaining({ id: 'test', linkedAt: null }), expect.objectContaining({ id: 'other', linkedAt: null })], identities: [], phone: null, phoneKnown: false });
  });
});
