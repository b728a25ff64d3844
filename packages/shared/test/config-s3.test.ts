import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const load = (env: Record<string, string>) => loadConfig({ env, file: null });
const problems = (env: Record<string, string>) => {
  try {
    load(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('config: storage_type s3', () => {
  it('defaults: local storage, and the s3 keys at their defaults', () => {
    expect(load({})).toMatchObject({
      storage_type: 'local',
      s3_endpoint: '',
      s3_region: 'us-east-1',
      s3_force_path_style: true,
      s3_serve: 'redirect',
      s3_presign_seconds: 300,
    });
  });

  it('stops the start naming each missing key', () => {
    expect(problems({ STORAGE_TYPE: 's3' })).toEqual([
      's3_bucket: must be set when storage_type is s3',
      's3_access_key: must be set when storage_type is s3',
      's3_secret_key: must be set when storage_type is s3',
    ]);
    expect(problems({ STORAGE_TYPE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY: 'k' })).toEqual(['s3_secret_key: must be set when storage_type is s3']);
  });

  it.each([
    [{ S3_ENDPOINT: 'ftp://store' }, /^s3_endpoint \(env S3_ENDPOINT\): .*must start with http: or https:/],
    [{ S3_SERVE: 'cdn' }, /^s3_serve \(env S3_SERVE\): .*not one of redirect, proxy/],
    [{ S3_PRESIGN_SECONDS: '0' }, /^s3_presign_seconds \(env S3_PRESIGN_SECONDS\): .*outside 1\.\.604800/],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, /^s3_force_path_style \(env S3_FORCE_PATH_STYLE\): .*not true or false/],
  ])('refuses a bad value: %o', (env, message) => {
    const found = problems({ STORAGE_TYPE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's', ...env });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('takes a full s3 configuration from the environment', () => {
    const c = load({ STORAGE_TYPE: 's3', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'b', S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's', S3_SERVE: 'proxy', S3_FORCE_PATH_STYLE: 'false' });
    expect(c).toMatchObject({ storage_type: 's3', s3_endpoint: 'http://127.0.0.1:9000', s3_serve: 'proxy', s3_force_path_style: false });
  });
});
