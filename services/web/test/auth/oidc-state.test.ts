import { describe, expect, it } from 'vitest';
import { isInternalApiPath } from '../../src/auth/internal-paths.js';
import { STATE_TTL_MS, StateSealer, type PendingSignIn } from '../../src/auth/oidc-state.js';

describe('StateSealer', () => {
  let now = 5_000_000;
  const pending = (): PendingSignIn => ({ provider: 'test', state: `s${Math.random()}`, nonce: 'n', verifier: 'v', redirectUri: 'http://x/cb', expiresAt: now + STATE_TTL_MS });

  it('opens what it sealed once; hides the verifier', () => {
    const sealer = new StateSealer('secret', () => now);
    const p = pending();
    const sealed = sealer.seal(p);
    expect(sealed).not.toContain('verifier');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(p.state);
    expect(sealer.open(sealed)).toEqual(p);
    expect(sealer.open(sealed)).toBeUndefined();
  });

  it('refuses another key, tampering, garbage, and an expired state', () => {
    const sealer = new StateSealer('secret', () => now);
    expect(new StateSealer('other', () => now).open(sealer.seal(pending()))).toBeUndefined();
    const sealed = sealer.seal(pending());
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    expect(sealer.open(bytes.toString('base64url'))).toBeUndefined();
    for (const junk of [undefined, '', 'x', 'a'.repeat(5000), '%%%']) expect(sealer.open(junk)).toBeUndefined();
    const late = sealer.seal(pending());
    now += STATE_TTL_MS + 1;
    expect(sealer.open(late)).toBeUndefined();
  });

  it('with no secret each process has its own key', () => {
    const a = new StateSealer('');
    expect(new StateSealer('').open(a.seal(pending()))).toBeUndefined();
  });
});

describe('isInternalApiPath', () => {
  it.each([
    ['/api/internal/identities/signin', true],
    ['/api/internal', true],
    ['/api//internal/x', true],
    ['/api/./internal/x', true],
    ['/api/%69nternal/x', true],
    ['/api/%2569nternal/x', true],
    ['/API/Internal/x', true],
    ['/api/internal?x=1', true],
    ['/api/internals', false],
    ['/api/user/internal', false],
    ['/internal/x', false],
    ['/api/videos', false],
    ['/api/%E0%A4%A', false],
  ])('%s -> %s', (url, internal) => {
    expect(isInternalApiPath(url)).toBe(internal);
  });
});
