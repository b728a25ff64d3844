import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, GENERATED_KEY_FILE, loadTokenKeys } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, signUp, uniqueName } from '../helper.js';
import { decodeSegment, issueTokens, whoAmI } from './tokens-helper.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'jwt-key-'));
const pemOf = (type: 'ed25519' | 'ec' | 'rsa'): string => {
  const pair =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
};

/** Runs `args` under node with tsx from the repository root; resolves with the exit code and output. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('jwt_private_key', () => {
  it('is generated once into data_dir (mode 0600) and read back afterwards', () => {
    const dir = tmp();
    const first = loadTokenKeys({ jwt_private_key: '', data_dir: dir });
    const file = path.join(dir, GENERATED_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadTokenKeys({ jwt_private_key: '', data_dir: dir }).kid).toBe(first.kid);
    expect(first.alg).toBe('EdDSA');
  });

  it('takes a PEM, the same PEM with \\n escapes (an environment variable), or a file holding one', () => {
    const pem = pemOf('ed25519');
    const kid = loadTokenKeys({ jwt_private_key: pem, data_dir: tmp() }).kid;
    expect(loadTokenKeys({ jwt_private_key: pem.replace(/\n/g, '\\n'), data_dir: tmp() }).kid).toBe(kid);
    const file = path.join(tmp(), 'key.pem');
    writeFileSync(file, pem);
    expect(loadTokenKeys({ jwt_private_key: file, data_dir: tmp() }).kid).toBe(kid);
    expect(loadTokenKeys({ jwt_private_key: pemOf('ec'), data_dir: tmp() }).alg).toBe('ES256');
  });

  it.each([
    ['garbage', () => 'not a key'],
    ['a missing file', () => '/nonexistent/jwt.pem'],
    ['a broken PEM', () => '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'],
    ['an RSA key', () => pemOf('rsa')],
    ['a public key', () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string],
  ])('%s is a ConfigError naming the key', (_label, value) => {
    let caught: unknown;
    try {
      loadTokenKeys({ jwt_private_key: value(), data_dir: tmp() });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain('jwt_private_key');
  });

  it('four processes starting at once on an empty data folder agree on one key', async () => {
    const dir = path.join(tmp(), 'data');
    const runs = await Promise.all(Array.from({ length: 4 }, () => run([path.join(here, 'fixtures/load-key.ts'), dir])));
    for (const r of runs) expect(r.code, r.out).toBe(0);
    expect(new Set(runs.map((r) => r.out.trim())).size).toBe(1);
    expect(readFileSync(path.join(dir, GENERATED_KEY_FILE), 'utf8')).toContain('-----END PRIVATE KEY-----');
  }, 60_000);

  it.each([
    ['api', 'services/api/src/main.ts'],
    ['streamserver', 'services/streamserver/src/main.ts'],
  ])('an invalid key stops the %s at start with a message naming it', async (service, entry) => {
    const dir = tmp();
    const r = await run([entry], {
      JWT_PRIVATE_KEY: 'not a key',
      DATA_DIR: dir,
      VIDEO_DIR: path.join(dir, 'videos'),
      DATABASE_URL: `sqlite:${path.join(dir, 'video.db')}`,
      API_PORT: '0',
      STREAM_PORT: '0',
      LOG_PRETTY: '0',
    });
    expect(r.code, r.out).toBe(78);
    expect(r.out).toContain(`${service}: `);
    expect(r.out).toContain('jwt_private_key');
  }, 60_000);
});

describe.each(testDialects())('a configured key on %s', (dialect) => {
  it('an ES256 key signs ES256 tokens that verify', async () => {
    const t = await buildTestApp(dialect, { jwt_private_key: pemOf('ec') });
    try {
      const user = await signUp(t.app, uniqueName('es'));
      const pair = await issueTokens(t.app, user.name);
      expect(decodeSegment(pair.access_token.split('.')[0]!).alg).toBe('ES256');
      expect((await whoAmI(t.app, pair.access_token)).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
