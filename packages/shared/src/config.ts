import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkValue, isProxySpec, type Kind } from './config-values.js';
import { ACCEL_SPEC, S3_SPEC, storageProblems, type AccelKeys, type S3Keys } from './config-s3.js';
import { resolveInternalToken } from './config-token.js';

export { resolveInternalToken };

export interface Config extends S3Keys, AccelKeys {
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
  storage_type: 'local' | 'oss' | 's3';
  oss_url: string;
  stream_workers: number;
  cookie_secure: boolean;
  /** Bind addresses per service; empty = `host`. The scheduler's defaults to loopback: it is internal. */
  api_host: string;
  stream_host: string;
  scheduler_host: string;
  web_host: string;
  /** Where generated secrets (the internal token) are kept. */
  data_dir: string;
  /** Addresses/CIDRs (or proxy-addr names: loopback, linklocal, uniquelocal) allowed to set X-Forwarded-For. */
  trusted_proxies: string[];
  /** Protects /metrics on the service ports when set (Bearer or ?token=); the web's public port never serves it. */
  metrics_token: string;
  /** Total stored bytes per user, MiB; 0 = unlimited. */
  user_quota_mb: number;
  /** Uploads are refused while the video disk has less free space than this, MiB; 0 = no floor. */
  min_free_disk_mb: number;
  /** Comments a user may post per minute. */
  comment_rate_limit: number;
  /** Video records a user may create per hour. */
  video_create_rate_limit: number;
  /** Danmaku a user may post per minute. */
  danmaku_rate_limit: number;
  /** Seconds of playback reports from one viewer before a view counts. */
  view_after_seconds: number;
  /** Concurrent stream-server requests per client address (streams and uploads). */
  stream_max_per_address: number;
  /** Concurrent uploads per user (multipart and tus PATCH). */
  upload_max_per_user: number;
  /** After a grace period, a transfer slower than this (KiB/s) is cut off; 0 = never. */
  min_transfer_kbps: number;
  /** Seconds a transfer may run before the minimum rate applies. */
  min_transfer_grace_seconds: number;
  /** The web's cap on open client connections. */
  web_max_connections: number;
  /** The web's whole-request deadline for routes that are not streams or uploads, seconds. */
  web_request_timeout_seconds: number;
  /** Open WebSockets per client address through the web (and on the api). */
  ws_max_per_address: number;
  /** The web's own metrics port (never the public one); 0 = none. */
  web_metrics_port: number;
  /** HLS rendition heights (the shorter side), ascending. */
  transcode_ladder: number[];
  /** Processing tasks one scheduler runs at once. */
  transcode_concurrency: number;
  /** ffmpeg's -threads for each task; 0 = ffmpeg's own choice. */
  transcode_threads: number;
  /** The logo the player shows (a path or URL on this site); empty = none. */
  player_logo: string;
  /** A PNG burned into every rendition; empty = none (renditions are then remuxed where they can be). */
  watermark_file: string;
  watermark_position: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  /** The site's address as people open it (links in mails); empty = http://127.0.0.1:<web_port>. */
  public_url: string;
  /** smtp://user:pass@host:port (or smtps://); empty = mails are written under data_dir/outbox/. */
  smtp_url: string;
  /** The From of every mail. */
  mail_from: string;
  /** Unverified accounts may sign in but not upload, comment or message. */
  require_email_verification: boolean;
  /** A PKCS#8 PEM (or a file holding one) signing access tokens; empty = generated into data_dir. */
  jwt_private_key: string;
  /** Single sign-on providers (OpenID Connect). */
  oidc_providers: OidcProviderConfig[];
  /** Receives POST {to, text} for each SMS; empty = logged. */
  sms_webhook_url: string;
  /** Distinct reporters that hide a video from feeds and search until a moderator decides. */
  auto_hide_reports: number;
  /** Error tracking: unhandled errors and 5xx go to this Sentry DSN, scrubbed; empty = off. */
  sentry_dsn: string;
  /** MiB for the api's cache of anonymous public reads; 0 = off. */
  api_read_cache_mb: number;
}

export interface OidcProviderConfig {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  client_secret: string;
}

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
  storage_type: { default: 'local', kind: { type: 'string', oneOf: ['local', 'oss', 's3'] } },
  oss_url: { default: '', kind: { type: 'string', allowEmpty: true, url: ['http:', 'https:'] } },
  ...S3_SPEC,
  ...ACCEL_SPEC,
  stream_workers: { default: 1, kind: { type: 'int', min: 1, max: 64 } },
  cookie_secure: { default: false, kind: { type: 'bool' } },
  api_host: { default: '', kind: { type: 'string', allowEmpty: true } },
  stream_host: { default: '', kind: { type: 'string', allowEmpty: true } },
  scheduler_host: { default: '127.0.0.1', kind: { type: 'string' } },
  web_host: { default: '', kind: { type: 'string', allowEmpty: true } },
  data_dir: { default: './data', kind: { type: 'string' } },
  trusted_proxies: { default: ['loopback'], kind: { type: 'list' } },
  metrics_token: { default: '', kind: { type: 'string', allowEmpty: true } },
  user_quota_mb: { default: 10240, kind: { type: 'int', min: 0, max: 1024 * 1024 * 1024 } },
  min_free_disk_mb: { default: 256, kind: { type: 'int', min: 0, max: 1024 * 1024 * 1024 } },
  comment_rate_limit: { default: 20, kind: { type: 'int', min: 1, max: 1000000 } },
  video_create_rate_limit: { default: 60, kind: { type: 'int', min: 1, max: 1000000 } },
  danmaku_rate_limit: { default: 30, kind: { type: 'int', min: 1, max: 1000000 } },
  view_after_seconds: { default: 10, kind: { type: 'int', min: 0, max: 3600 } },
  stream_max_per_address: { default: 64, kind: { type: 'int', min: 1, max: 100000 } },
  upload_max_per_user: { default: 4, kind: { type: 'int', min: 1, max: 10000 } },
  min_transfer_kbps: { default: 4, kind: { type: 'int', min: 0, max: 1024 * 1024 } },
  min_transfer_grace_seconds: { default: 30, kind: { type: 'int', min: 1, max: 86400 } },
  web_max_connections: { default: 4096, kind: { type: 'int', min: 16, max: 1000000 } },
  web_request_timeout_seconds: { default: 30, kind: { type: 'int', min: 1, max: 3600 } },
  ws_max_per_address: { default: 16, kind: { type: 'int', min: 1, max: 100000 } },
  web_metrics_port: { default: 9007, kind: port },
  transcode_ladder: { default: [360, 720], kind: { type: 'intList', min: 90, max: 4320, minItems: 1, maxItems: 8 } },
  transcode_concurrency: { default: 1, kind: { type: 'int', min: 1, max: 16 } },
  transcode_threads: { default: 2, kind: { type: 'int', min: 0, max: 64 } },
  player_logo: { default: '', kind: { type: 'string', allowEmpty: true } },
  watermark_file: { default: '', kind: { type: 'string', allowEmpty: true } },
  watermark_position: {
    default: 'top-right',
    kind: { type: 'string', oneOf: ['top-left', 'top-right', 'bottom-left', 'bottom-right'] },
  },
  public_url: { default: '', kind: { type: 'string', allowEmpty: true, url: ['http:', 'https:'] } },
  smtp_url: { default: '', kind: { type: 'string', allowEmpty: true, url: ['smtp:', 'smtps:'] } },
  mail_from: { default: 'Video <no-reply@localhost>', kind: { type: 'string' } },
  require_email_verification: { default: false, kind: { type: 'bool' } },
  jwt_private_key: { default: '', kind: { type: 'string', allowEmpty: true } },
  oidc_providers: { default: [], kind: { type: 'oidcList' } },
  sms_webhook_url: { default: '', kind: { type: 'string', allowEmpty: true, url: ['http:', 'https:'] } },
  auto_hide_reports: { default: 10, kind: { type: 'int', min: 1, max: 1000000 } },
  sentry_dsn: { default: '', kind: { type: 'string', allowEmpty: true, url: ['http:', 'https:'] } },
  api_read_cache_mb: { default: 32, kind: { type: 'int', min: 0, max: 65536 } },
};

/** The address a service binds to: its own key, else `host`. */
export function bindHost(config: Config, service: 'api' | 'stream' | 'scheduler' | 'web'): string {
  const own = config[`${service}_host`];
  return own === '' ? config.host : own;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
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
  const file = options.file === null ? undefined : (options.file ?? env.CONFIG ?? (existsSync('conf.json') ? 'conf.json' : undefined));
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
    const { value, problem } = checkValue(key, raw, spec.kind, fromEnv);
    if (problem) problems.push(fromEnv ? `${key} (env ${key.toUpperCase()}): ${problem.slice(key.length + 2)}` : problem);
    else out[key] = value;
  }
  for (const entry of (out.trusted_proxies as string[] | undefined) ?? []) {
    if (!isProxySpec(entry)) problems.push(`trusted_proxies: ${JSON.stringify(entry)} is not an address, a CIDR or one of loopback, linklocal, uniquelocal`);
  }
  problems.push(...storageProblems(out));
  if (problems.length > 0) throw new ConfigError(problems);
  const config = out as unknown as Config;
  config.video_dir = path.resolve(baseDir, config.video_dir);
  config.data_dir = path.resolve(baseDir, config.data_dir);
  if (config.watermark_file !== '') config.watermark_file = path.resolve(baseDir, config.watermark_file);
  if (config.database_url.startsWith('sqlite:')) {
    const target = config.database_url.slice('sqlite:'.length);
    if (target !== ':memory:') config.database_url = `sqlite:${path.resolve(baseDir, target)}`;
  }
  return config;
}

/** Loads the config for a service's main, printing every problem and exiting on a bad one. */
export function loadConfigOrExit(service: string): Config {
  try {
    const config = loadConfig();
    config.internal_token = resolveInternalToken(config);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
