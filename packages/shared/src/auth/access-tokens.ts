import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { unauthorized } from '../contract/errors.js';
import type { TokenKeys } from './token-keys.js';

/** Who issues access tokens (the api) and who accepts them (every service): both are checked on each use. */
export const TOKEN_ISSUER = 'urn:video:api';
export const TOKEN_AUDIENCE = 'urn:video:services';
/** RFC 9068's media type, required on verify so no other JWT signed by the key passes as an access token. */
export const TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** A longer string is no token of ours; it is refused before any parsing. */
const MAX_TOKEN_LENGTH = 4096;

export interface AccessTokenSubject {
  userId: number;
  userName: string;
  /** The refresh-token family the access token came from (`sid`): signing out with it ends that family. */
  familyId: string;
}

/** What a valid access token says. */
export interface AccessTokenClaims {
  userId: number;
  familyId: string;
  jti: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

export async function signAccessToken(keys: TokenKeys, subject: AccessTokenSubject, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ name: subject.userName, sid: subject.familyId })
    .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: TOKEN_TYPE })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(String(subject.userId))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
    .setJti(randomUUID())
    .sign(keys.privateKey);
}

/**
 * The claims of an access token signed by `keys`, or 401 002: the signature, the algorithm (pinned to
 * the key's own, so `none` or an HMAC trick never passes), `typ`, `iss`, `aud` and `exp` are all
 * checked, and `sub` must be a user id. Needs no database.
 */
export async function verifyAccessToken(keys: TokenKeys, token: string, now = Date.now()): Promise<AccessTokenClaims> {
  if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('access token is not valid');
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: [keys.alg],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      typ: TOKEN_TYPE,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      currentDate: new Date(now),
    });
    const sub = payload.sub ?? '';
    if (!/^[1-9][0-9]{0,14}$/.test(sub) || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
      throw unauthorized('access token is not valid');
    }
    const familyId = typeof payload.sid === 'string' ? payload.sid : '';
    return { userId: Number(sub), familyId, jti: payload.jti, expiresAt: payload.exp * 1000 };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized('access token has expired: refresh it');
    throw unauthorized('access token is not valid');
  }
}
