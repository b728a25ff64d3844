import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { Config } from '@video/shared';

export const BUCKET = 'videos-test';

/** An S3-compatible server in this process on 127.0.0.1 (a random port, a temp directory) with BUCKET created. */
export async function startS3rver(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The config keys that point a service at it (s3rver's built-in account). */
export function s3Config(endpoint: string, more: Partial<Config> = {}): Partial<Config> {
  return {
    storage_type: 's3',
    s3_endpoint: endpoint,
    s3_bucket: BUCKET,
    s3_region: 'us-east-1',
    s3_access_key: 'S3RVER',
    s3_secret_key: 'S3RVER',
    s3_force_path_style: true,
    ...more,
  };
}
