import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * The internal token every service uses for service-to-service calls. When `internal_token` is empty,
 * one is generated into `data_dir/internal-token` at first start (exclusive create, so two services
 * starting at once agree on one), and read from there afterwards.
 */
export function resolveInternalToken(config: Pick<Config, 'internal_token' | 'data_dir'>): string {
  if (config.internal_token !== '') return config.internal_token;
  const file = path.join(config.data_dir, 'internal-token');
  mkdirSync(config.data_dir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // A reader racing the creator may see an empty file for a moment.
  for (let i = 0; i < 50; i++) {
    const token = readFileSync(file, 'utf8').trim();
    if (token !== '') return token;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file} is empty: delete it, or set internal_token`);
}
