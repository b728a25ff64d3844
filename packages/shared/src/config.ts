import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Config {
  host: string;
  api_port: number;
  stream_port: number;
  scheduler_port: number;
  web_port: number;
  api_url: string;
  stream_url: string;
  scheduler_url: string;
  database_url: string;
  video_dir: string;
  session_ttl_minutes: number;
  stream_max_connections: number;
  max_upload_mb: number;
  scheduler_interval_seconds: number;
  scheduler_batch: number;
  internal_token: string;
  log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  redis_url: string;
  signin_rate_limit: number;
  bcrypt_cost: number;
  storage_type: 'local' | 'oss';
  oss_url: string;
  stream_workers: number;
  cookie_secure: boolean;
}

type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'string'; oneOf?: readonly string[]; url?: readonly string[]; allowEmpty?: boolean }
  | { type: 'bool' };

const port = { type: 'int', min: 0, max: 65535 } as const;
const httpUrl = { type: 'string', url: ['http:', 'https:'] } as const;

/** Every key, its default and how it is checked. The contract's table, plus a few of our own. */
export const CONFIG_SPEC: { [K in keyof Config]: { default: Config[K]; kind: Kind } } = {
  host: { default: '127.0.0.1', kind: { type: 'string' } },
  api_port: { default: 9003, kind: port },
  stream_port: { default: 9004, kind: port },
  scheduler_port: { default: 9005, kind: port },
  web_port: { default: 9006, kind: port },
  api_url: { default: 'http://127.0.0.1:9003', kind: httpUrl },
  stream_url: { default: 'http://127.0.0.1:9004', kind: httpUrl },
  scheduler_url: { default: 'http://127.0.0.1:9005', kind: httpUrl },
  database_url: { default: 'sqlite:./data/video.db', kind: { type: 'string', url: ['sqlite:', 'mysql:'] } },
  video_dir: { default: './data/videos', kind: { type: 'string' } },
  session_ttl_minutes: { default: 30, kind: { type: 'int', min: 1, max: 525600 } },
  stream_max_connections: { default: 200, kind: { type: 'int', min: 1, max: 100000 } },
  max_upload_mb: { default: 1024, kind: { type: 'int', min: 1, max: 1024 * 1024 } },
  scheduler_interval_seconds: { default: 3, kind: { type: 'int', min: 1, max: 86400 } },
  scheduler_batch: { default: 100, kind: { type: 'int', min: 1, max: 10000 } },
  internal_token: { default: '', kind: { type: 'string', allowEmpty: true } },
  log_level: {
    default: 'info',
    kind: { type: 'string', oneOf: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
  },
  redis_url: { default: '', kind: { type: 'string', allowEmpty: true, url: ['redis:', 'rediss:'] } },
  signin_rate_limit: { default: 10, kind: { type: 'int', min: 1, max: 1000000 } },
  bcrypt_cost: { default: 10, kind: { type: 'int', min: 4, max: 15 } },
  storage_type: { default: 'local', kind: { type: 'string', oneOf: ['local', 'oss'] } },
  oss_url: { default: '', kind: { type: 'string', allowEmpty: true, url: ['http:', 'https:'] } },
  stream_workers: { default: 1, kind: { type: 'int', min: 1, max: 64 } },
  cookie_secure: { default: false, kind: { type: 'bool' } },
};

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function check(key: string, raw: unknown, kind: Kind, fromEnv: boolean): { value?: unknown; problem?: string } {
  const shown = JSON.stringify(raw);
  if (kind.type === 'int') {
    let n: unknown = raw;
    if (fromEnv && typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) n = Number(raw.trim());
    if (typeof n !== 'number' || !Number.isInteger(n)) return { problem: `${key}: ${shown} is not an integer` };
    if (n < kind.min || n > kind.max) return { problem: `${key}: ${shown} is outside ${kind.min}..${kind.max}` };
    return { value: n };
  }
  if (kind.type === 'bool') {
    if (typeof raw === 'boolean') return { value: raw };
    if (fromEnv && typeof raw === 'string' && ['true', 'false', '1', '0'].includes(raw.trim().toLowerCase())) {
      return { value: ['true', '1'].includes(raw.trim().toLowerCase()) };
    }
    return { problem: `${key}: ${shown} is not true or false` };
  }
  if (typeof raw !== 'string') return { problem: `${key}: ${shown} is not a string` };
  if (raw === '') return kind.allowEmpty ? { value: raw } : { problem: `${key}: must not be empty` };
  if (kind.oneOf && !kind.oneOf.includes(raw)) {
    return { problem: `${key}: ${shown} is not one of ${kind.oneOf.join(', ')}` };
  }
  if (kind.url) {
    let protocol: string;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      return { problem: `${key}: ${shown} is not a URL` };
    }
    if (!kind.url.includes(protocol)) {
      return { problem: `${key}: ${shown} must start with ${kind.url.map((p) => `${p}`).join(' or ')}` };
    }
  }
  return { value: raw };
}

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** A config file; defaults to $CONFIG, else ./conf.json when it exists; null for none. */
  file?: string | null;
  /** Values that win over the file and the environment (tests). */
  overrides?: Partial<Config>;
}

/**
 * Reads the config file, applies environment overrides (KEY in upper case), validates every key and
 * reports every bad one at once. Relative paths in `video_dir` and `database_url` are resolved
 * against the config file's folder (the working directory when there is no file), so a service
 * finds the same data wherever it is started from.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file =
    options.file === null ? undefined : (options.file ?? env.CONFIG ?? (existsSync('conf.json') ? 'conf.json' : undefined));
  const problems: string[] = [];
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      fromFile = parsed as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError([`CONFIG: cannot read ${file}: ${(err as Error).message}`]);
    }
    for (const key of Object.keys(fromFile)) {
      if (!(key in CONFIG_SPEC)) problems.push(`${key}: unknown key in ${file}`);
    }
  }
  const baseDir = file ? path.dirname(path.resolve(file)) : process.cwd();
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_SPEC) as [keyof Config, { default: unknown; kind: Kind }][]) {
    const envValue = env[key.toUpperCase()];
    const override = options.overrides?.[key];
    let raw: unknown = spec.default;
    let fromEnv = false;
    if (override !== undefined) raw = override;
    else if (envValue !== undefined) {
      raw = envValue;
      fromEnv = true;
    } else if (key in fromFile) raw = fromFile[key];
    const { value, problem } = check(key, raw, spec.kind, fromEnv);
    if (problem) problems.push(fromEnv ? `${key} (env ${key.toUpperCase()}): ${problem.slice(key.length + 2)}` : problem);
    else out[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = out as unknown as Config;
  config.video_dir = path.resolve(baseDir, config.video_dir);
  if (config.database_url.startsWith('sqlite:')) {
    const target = config.database_url.slice('sqlite:'.length);
    if (target !== ':memory:') config.database_url = `sqlite:${path.resolve(baseDir, target)}`;
  }
  return config;
}

/** Loads the config for a service's main, printing every problem and exiting on a bad one. */
export function loadConfigOrExit(service: string): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
