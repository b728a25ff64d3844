import { createReadStream } from 'node:fs';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { PART_SIZE } from './object-keys.js';

export type S3Config = Pick<
  Config,
  's3_endpoint' | 's3_bucket' | 's3_region' | 's3_access_key' | 's3_secret_key' | 's3_force_path_style'
>;

/**
 * The AWS SDK, loaded with the first store: a bundle inlines this module, and static imports of the
 * SDK would load its ~30 packages in every process that can reach a bucket, used or not.
 */
interface Sdk {
  s3: typeof import('@aws-sdk/client-s3');
  Upload: typeof import('@aws-sdk/lib-storage').Upload;
  getSignedUrl: typeof import('@aws-sdk/s3-request-presigner').getSignedUrl;
}
let sdk: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage'), import('@aws-sdk/s3-request-presigner')]).then(
    ([s3, storage, presigner]) => ({ s3, Upload: storage.Upload, getSignedUrl: presigner.getSignedUrl }),
  );
  return sdk;
}

/** What HeadObject says of an object. */
export interface ObjectHead {
  size: number;
  etag: string;
}

/** What a PUT of one file sends along. */
export interface PutOptions {
  contentType: string;
  cacheControl?: string;
  signal?: AbortSignal;
}

/** The bucket as the services use it: one client, one bucket. */
export class ObjectStore {
  readonly bucket: string;

  constructor(
    readonly client: S3Client,
    bucket: string,
    private readonly sdk: Sdk,
  ) {
    this.bucket = bucket;
  }

  /** Uploads a file (multipart above PART_SIZE, one part at a time in flight per file beyond two). */
  async putFile(key: string, file: string, o: PutOptions): Promise<void> {
    const upload = new this.sdk.Upload({
      client: this.client,
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
      params: { Bucket: this.bucket, Key: key, Body: createReadStream(file), ContentType: o.contentType, CacheControl: o.cacheControl },
    });
    const abort = () => void upload.abort().catch(() => undefined);
    o.signal?.addEventListener('abort', abort, { once: true });
    try {
      o.signal?.throwIfAborted();
      await upload.done();
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }
  }

  /** The object's size and ETag (quotes stripped), or undefined when there is none. */
  async head(key: string, signal?: AbortSignal): Promise<ObjectHead | undefined> {
    try {
      const r = await this.client.send(new this.sdk.s3.HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { size: Number(r.ContentLength ?? -1), etag: (r.ETag ?? '').replaceAll('"', '') };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Every key under `prefix` (bounded: a video has a few dozen objects). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await this.client.send(new this.sdk.s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      if (!r.IsTruncated || !r.NextContinuationToken) break;
      token = r.NextContinuationToken;
    }
    return keys;
  }

  /** Deletes keys (a missing one is fine); throws when the store reports any that it could not delete. */
  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const r = await this.client.send(
        new this.sdk.s3.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (r.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`the store kept ${failed.length} object(s): ${failed[0].Code} ${failed[0].Message ?? ''}`);
    }
  }

  /** A URL of the object that works for `seconds`: GET (the type it is served with), or HEAD (signed for that method). */
  presign(method: 'GET' | 'HEAD', key: string, seconds: number, o: { contentType?: string } = {}): Promise<string> {
    const command =
      method === 'HEAD'
        ? new this.sdk.s3.HeadObjectCommand({ Bucket: this.bucket, Key: key })
        : new this.sdk.s3.GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentType: o.contentType });
    return this.sdk.getSignedUrl(this.client, command, { expiresIn: seconds });
  }

  /** A GET (or a range of it) whose transfer stops when `signal` aborts. */
  get(key: string, range: string | undefined, signal: AbortSignal): Promise<GetObjectCommandOutput> {
    return this.client.send(new this.sdk.s3.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }), { abortSignal: signal });
  }
}

/** The HTTP status of an SDK error (404 NoSuchKey, 416 InvalidRange, …), if it has one. */
export function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const stores = new Map<string, Promise<ObjectStore>>();

/**
 * The process's store for this configuration: one S3Client (and its sockets) shared by every
 * caller. Checksums only when an operation requires them: stores that are not AWS reject or
 * ignore the CRC trailers the SDK would otherwise add to every PUT.
 */
export function objectStore(config: S3Config): Promise<ObjectStore> {
  const id = JSON.stringify([config.s3_endpoint, config.s3_bucket, config.s3_region, config.s3_access_key, config.s3_force_path_style]);
  let store = stores.get(id);
  if (!store) {
    store = loadSdk().then((sdk) => newStore(sdk, config));
    stores.set(id, store);
  }
  return store;
}

function newStore(sdk: Sdk, config: S3Config): ObjectStore {
  const client = new sdk.s3.S3Client({
    region: config.s3_region,
    endpoint: config.s3_endpoint === '' ? undefined : config.s3_endpoint,
    forcePathStyle: config.s3_force_path_style,
    credentials: { accessKeyId: config.s3_access_key, secretAccessKey: config.s3_secret_key },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return new ObjectStore(client, config.s3_bucket, sdk);
}
