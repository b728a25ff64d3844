import type { Kind } from './config-values.js';

/** The keys of storage_type s3. */
export interface S3Keys {
  /** The S3 API's address (http or https); empty = AWS itself. */
  s3_endpoint: string;
  s3_bucket: string;
  s3_region: string;
  s3_access_key: string;
  s3_secret_key: string;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>`: what most non-AWS stores want. */
  s3_force_path_style: boolean;
  /** How the stream server answers for a file in the bucket: a 302 to a presigned URL, or the bytes itself. */
  s3_serve: 'redirect' | 'proxy';
  /** How long a presigned URL of s3_serve redirect works. */
  s3_presign_seconds: number;
}

export const S3_SPEC: { [K in keyof S3Keys]: { default: S3Keys[K]; kind: Kind } } = {
  s3_endpoint: { default: '', kind: { type: 'string', allowEmpty: true, url: ['http:', 'https:'] } },
  s3_bucket: { default: '', kind: { type: 'string', allowEmpty: true } },
  s3_region: { default: 'us-east-1', kind: { type: 'string' } },
  s3_access_key: { default: '', kind: { type: 'string', allowEmpty: true } },
  s3_secret_key: { default: '', kind: { type: 'string', allowEmpty: true } },
  s3_force_path_style: { default: true, kind: { type: 'bool' } },
  s3_serve: { default: 'redirect', kind: { type: 'string', oneOf: ['redirect', 'proxy'] } },
  s3_presign_seconds: { default: 300, kind: { type: 'int', min: 1, max: 604800 } },
};

/** How the stream server may hand the sending of local files to the balancer in front of it. */
export interface AccelKeys {
  /**
   * nginx's internal location over video_dir (`/_accel`): a request that came through the balancer
   * (X-Accel-Allowed: 1 from a trusted_proxies address) is answered, after every check, with
   * `X-Accel-Redirect: <prefix>/<file>` and no body, and nginx sends the bytes; empty = off.
   */
  stream_accel_redirect_prefix: string;
  /**
   * The web answers an X-Accel-Redirect itself from its own video_dir (one machine, a shared disk),
   * as nginx would; false where the web does not see the stream servers' files (then every video
   * read would pay a second round trip). Only with stream_accel_redirect_prefix set.
   */
  web_serve_local_files: boolean;
}

export const ACCEL_SPEC: { [K in keyof AccelKeys]: { default: AccelKeys[K]; kind: Kind } } = {
  stream_accel_redirect_prefix: { default: '/_accel', kind: { type: 'string', allowEmpty: true } },
  web_serve_local_files: { default: true, kind: { type: 'bool' } },
};

/** An X-Accel-Redirect prefix is a plain absolute path: `/name` segments (never `.` or `..`), no trailing slash. */
const ACCEL_PREFIX_RE = /^(\/(?!\.+(?:\/|$))[A-Za-z0-9._-]+)+$/;

/**
 * storage_type s3 cannot start without its bucket and credentials: one problem per missing key;
 * and an X-Accel-Redirect prefix must be a path.
 */
export function storageProblems(values: Record<string, unknown>): string[] {
  const prefix = values.stream_accel_redirect_prefix;
  const accel = typeof prefix === 'string' && prefix !== '' && !ACCEL_PREFIX_RE.test(prefix) ? [`stream_accel_redirect_prefix: ${JSON.stringify(prefix)} is not a path such as /_accel`] : [];
  if (values.storage_type !== 's3') return accel;
  const missing = (['s3_bucket', 's3_access_key', 's3_secret_key'] as const).filter((key) => values[key] === '');
  return accel.concat(missing.map((key) => `${key}: must be set when storage_type is s3`));
}
