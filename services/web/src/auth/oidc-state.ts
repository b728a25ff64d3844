import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** How long a started sign-in may take at the provider. */
export const STATE_TTL_MS = 10 * 60_000;
export const STATE_COOKIE = 'oidc_state';
/** Used states remembered at most; past it the oldest go (a replay of one still fails at the provider). */
const MAX_USED = 100_000;

/** What the callback needs from the redirect that started it. */
export interface PendingSignIn {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  next?: string;
  expiresAt: number;
}

/**
 * The pending sign-in travels in an HttpOnly cookie, sealed with AES-256-GCM: the browser can neither
 * read the PKCE verifier nor forge or alter a state. Each state opens once on this instance (a
 * replayed cookie is refused); a replayed code would fail at the provider anyway, since the code is
 * bound to the verifier and used up by the exchange.
 */
export class StateSealer {
  private readonly key: Buffer;
  private readonly used = new Map<string, number>();

  /** `secret`: config.internal_token, which every instance shares; empty = a key of this process alone. */
  constructor(secret: string, private readonly now: () => number = Date.now) {
    this.key = createHash('sha256').update(`oidc-state|${secret === '' ? randomBytes(32).toString('hex') : secret}`).digest();
  }

  seal(pending: PendingSignIn): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(pending), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The pending sign-in of a cookie, once; undefined when missing, forged, expired or used already. */
  open(sealed: string | undefined): PendingSignIn | undefined {
    if (!sealed || sealed.length > 4096) return undefined;
    let pending: PendingSignIn;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      pending = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as PendingSignIn;
    } catch {
      return undefined;
    }
    const now = this.now();
    if (typeof pending.expiresAt !== 'number' || pending.expiresAt <= now) return undefined;
    this.sweep(now);
    if (this.used.has(pending.state)) return undefined;
    this.used.set(pending.state, pending.expiresAt);
    return pending;
  }

  /** States are remembered in about the order they expire: drop from the front while expired, or past the cap. */
  private sweep(now: number): void {
    for (const [state, expiresAt] of this.used) {
      if (expiresAt > now && this.used.size < MAX_USED) break;
      this.used.delete(state);
    }
  }
}
