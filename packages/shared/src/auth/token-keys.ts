import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '../config.js';

/** The key pair every service derives from `jwt_private_key`: the api signs, everyone verifies. */
export interface TokenKeys {
  alg: 'EdDSA' | 'ES256';
  /** RFC 7638 thumbprint of the public key, sent as the JWT `kid`. */
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The file a generated key lives in when `jwt_private_key` is empty. */
export const GENERATED_KEY_FILE = 'jwt-key.pem';

const KEY = 'jwt_private_key';

/**
 * The PEM text `jwt_private_key` stands for: the value itself when it is a PEM (an environment
 * variable may carry its newlines as `\n`), else the file it names. When empty, a fresh Ed25519 key
 * is created in `data_dir/jwt-key.pem` with an exclusive create, so services starting at once on an
 * empty data folder all end up reading the one that won.
 */
export function resolveJwtPrivateKeyPem(config: Pick<Config, 'jwt_private_key' | 'data_dir'>): string {
  const value = config.jwt_private_key.trim();
  if (value.startsWith('-----BEGIN')) return value.replace(/\\n/g, '\n');
  if (value !== '') {
    try {
      return readFileSync(path.resolve(value), 'utf8');
    } catch (err) {
      throw new ConfigError([`${KEY}: cannot read the key file ${value} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
  }
  return generatedKeyPem(config.data_dir);
}

function generatedKeyPem(dataDir: string): string {
  const file = path.join(dataDir, GENERATED_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  try {
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // A reader racing the creator may see a file that is not fully written yet.
  for (let i = 0; i < 50; i++) {
    const pem = readFileSync(file, 'utf8');
    if (pem.includes('-----END')) return pem;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new ConfigError([`${KEY}: ${file} holds no complete key: delete it, or set ${KEY}`]);
}

/** Parses the key; anything but a PKCS#8 Ed25519 or P-256 private key is a ConfigError naming the key. */
export function tokenKeysFromPem(pem: string): TokenKeys {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError([`${KEY}: not a PKCS#8 PEM private key (nor a file holding one)`]);
  }
  const alg = algorithmOf(privateKey);
  if (!alg) throw new ConfigError([`${KEY}: must be an Ed25519 or P-256 (prime256v1) private key`]);
  const publicKey = createPublicKey(privateKey);
  return { alg, kid: thumbprint(publicKey), privateKey, publicKey };
}

/** The keys for this config (see resolveJwtPrivateKeyPem); throws ConfigError naming jwt_private_key. */
export function loadTokenKeys(config: Pick<Config, 'jwt_private_key' | 'data_dir'>): TokenKeys {
  return tokenKeysFromPem(resolveJwtPrivateKeyPem(config));
}

/** loadTokenKeys for a service's main: a bad key prints one line naming it and exits 78, like a bad config value. */
export function loadTokenKeysOrExit(service: string, config: Pick<Config, 'jwt_private_key' | 'data_dir'>): TokenKeys {
  try {
    return loadTokenKeys(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

function algorithmOf(key: KeyObject): TokenKeys['alg'] | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  // RFC 7638: the required members only, in lexicographic order, no whitespace.
  const members = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
