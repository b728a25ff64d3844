import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClients, ProviderUnavailable, isLoopbackHttp } from '../../src/auth/oidc-clients.js';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider.js';

describe('isLoopbackHttp', () => {
  it.each([
    ['http://127.0.0.1:9000', true],
    ['http://localhost:9000/realm', true],
    ['http://[::1]:9000', true],
    ['https://127.0.0.1', false],
    ['http://127.0.0.2:9000', false],
    ['http://example.com', false],
    ['http://localhost.example.com', false],
    ['https://accounts.example.com', false],
  ])('%s -> %s', (issuer, loopback) => {
    expect(isLoopbackHttp(issuer)).toBe(loopback);
  });
});

describe('OidcClients', () => {
  let idp: TestOidcProvider;
  let now = 1_000_000;
  const entry = () => ({ id: 'test', name: 'Test', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret });

  beforeAll(async () => {
    idp = await startOidcProvider();
  });
  afterAll(async () => idp?.close());

  it('discovers at first use and keeps the answer', async () => {
    const clients = new OidcClients([entry()], 30_000, () => now);
    const [a, b] = await Promise.all([clients.configuration(entry()), clients.configuration(entry())]);
    expect(a).toBe(b);
    expect(a.serverMetadata().issuer).toBe(idp.issuer);
    idp.down = true;
    try {
      expect(await clients.configuration(entry())).toBe(a);
    } finally {
      idp.down = false;
    }
  });

  it('remembers a failure for the retry window, then tries again', async () => {
    const clients = new OidcClients([entry()], 30_000, () => now);
    idp.down = true;
    await expect(clients.configuration(entry())).rejects.toBeInstanceOf(ProviderUnavailable);
    idp.down = false;
    now += 29_000;
    await expect(clients.configuration(entry())).rejects.toThrow(/failed recently/);
    now += 2_000;
    expect((await clients.configuration(entry())).serverMetadata().issuer).toBe(idp.issuer);
  });

  it('plain http to an issuer that is not on this machine is refused before any request', async () => {
    const port = new URL(idp.issuer).port;
    const remote = { ...entry(), issuer: `http://127.0.0.2:${port}` };
    const clients = new OidcClients([remote], 30_000, () => now);
    const err = await clients.configuration(remote).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(((err as Error).cause as { code?: string }).code).toBe('OAUTH_HTTP_REQUEST_FORBIDDEN');
  });

  it('lists the providers by id and name only', () => {
    expect(new OidcClients([entry()]).list()).toEqual([{ id: 'test', name: 'Test' }]);
  });
});
