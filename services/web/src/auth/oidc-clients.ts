import * as oidc from 'openid-client';
import type { OidcProviderConfig } from '@video/shared/config';

/** How long a failed discovery is remembered before the next sign-in tries again. */
export const DISCOVERY_RETRY_MS = 30_000;
/** Seconds any request to a provider (discovery, keys, token) may take. */
const PROVIDER_TIMEOUT_S = 10;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Plain http is allowed for an issuer on this machine only (development and tests); anywhere else it must be https. */
export function isLoopbackHttp(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** A provider that cannot be used right now: its discovery failed (and is remembered for a while). */
export class ProviderUnavailable extends Error {}

interface Entry {
  config?: oidc.Configuration;
  pending?: Promise<oidc.Configuration>;
  failedUntil?: number;
}

/**
 * The configured providers and their discovered metadata. Discovery happens at a provider's first use,
 * not at start, so the site starts and every other sign-in works while a provider is down; a failure
 * is remembered for DISCOVERY_RETRY_MS (no provider is hammered by every click), then tried again.
 * Every Configuration checks ID token signatures against the provider's JWKS (non-repudiation checks),
 * on top of iss, aud, exp and nonce.
 */
export class OidcClients {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly providers: readonly OidcProviderConfig[],
    private readonly retryMs = DISCOVERY_RETRY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  list(): { id: string; name: string }[] {
    return this.providers.map((p) => ({ id: p.id, name: p.name }));
  }

  provider(id: string): OidcProviderConfig | undefined {
    return this.providers.find((p) => p.id === id);
  }

  /** Forgets remembered discovery failures, so the next sign-in with each provider tries again now. */
  forgetFailures(): void {
    for (const entry of this.entries.values()) entry.failedUntil = undefined;
  }

  async configuration(provider: OidcProviderConfig): Promise<oidc.Configuration> {
    let entry = this.entries.get(provider.id);
    if (!entry) {
      entry = {};
      this.entries.set(provider.id, entry);
    }
    if (entry.config) return entry.config;
    if (entry.failedUntil !== undefined && this.now() < entry.failedUntil) throw new ProviderUnavailable(`${provider.id}: discovery failed recently`);
    if (!entry.pending) {
      const current = entry;
      current.pending = discover(provider).then<oidc.Configuration, never>(
        (config) => {
          current.config = config;
          current.pending = undefined;
          return config;
        },
        (err: unknown) => {
          current.failedUntil = this.now() + this.retryMs;
          current.pending = undefined;
          throw new ProviderUnavailable(`${provider.id}: discovery failed`, { cause: err });
        },
      );
    }
    return entry.pending as Promise<oidc.Configuration>;
  }
}

function discover(provider: OidcProviderConfig): Promise<oidc.Configuration> {
  const execute = [oidc.enableNonRepudiationChecks];
  if (isLoopbackHttp(provider.issuer)) execute.push(oidc.allowInsecureRequests);
  const auth = provider.client_secret === '' ? oidc.None() : oidc.ClientSecretBasic(provider.client_secret);
  return oidc.discovery(new URL(provider.issuer), provider.client_id, undefined, auth, { execute, timeout: PROVIDER_TIMEOUT_S });
}
