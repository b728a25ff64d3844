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

/** storage_type s3 cannot start without its bucket and credentials: one problem per missing key. */
export function storageProblems(values: Record<string, unknown>): string[] {
  if (values.storage_type !== 's3') return [];
  return (['s3_bucket', 's3_access_key', 's3_secret_key'] as const)
    .filter((key) => values[key] === '')
    .map((key) => `${key}: must be set when storage_type is s3`);
}
