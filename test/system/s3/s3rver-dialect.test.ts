import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { objectStore, statusOf, type S3Config } from '@video/shared/storage/s3';
import { BUCKET, s3Config, startS3rver } from './s3-helper.js';

/**
 * What the test store (s3rver) does with what the SDK sends: the findings the README's "Object
 * storage" section reports. Each case pins today's behaviour, so a change in either shows here.
 */
describe('s3rver and the SDK', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  const client = (checksums: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED') =>
    new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: checksums,
      responseChecksumValidation: checksums,
    });
  let strict: S3Client;
  let loose: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver();
    strict = client('WHEN_REQUIRED');
    loose = client('WHEN_SUPPORTED');
  });
  afterAll(async () => {
    strict?.destroy();
    loose?.destroy();
    await s3?.close();
  });
  const body = Buffer.from('0123456789abcdef'.repeat(64));
  const read = async (c: S3Client, key: string, range?: string) => {
    const out = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
    return { out, bytes: Buffer.from(await out.Body!.transformToByteArray()) };
  };

  it('stores a PUT as sent when checksums are only sent where required', async () => {
    await strict.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain', Body: body }));
    const { out, bytes } = await read(strict, 'plain');
    expect(bytes.equals(body)).toBe(true);
    expect(out.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
  });

  it('with the default checksums (a CRC32 in the request), still stores the bytes but returns no checksum to validate', async () => {
    await loose.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'crc', Body: body }));
    const { out, bytes } = await read(strict, 'crc');
    expect(bytes.equals(body)).toBe(true);
    expect(out.ChecksumCRC32).toBeUndefined();
  });

  it('reads a suffix range bytes=-n as 0-n (S3 answers the last n bytes)', async () => {
    const { out, bytes } = await read(strict, 'plain', 'bytes=-16');
    expect(out.ContentRange).toBe(`bytes 0-16/${body.length}`);
    expect(bytes.equals(body.subarray(0, 17))).toBe(true);
  });

  it('does not check Content-MD5: a wrong digest is stored anyway (S3 answers 400 BadDigest)', async () => {
    await strict.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'md5', Body: body, ContentMD5: createHash('md5').update('other').digest('base64') }));
    expect((await read(strict, 'md5')).bytes.equals(body)).toBe(true);
  });

  it('with the default checksums, a streamed PUT (aws-chunked, a trailing CRC32) is stored with its chunk framing: corrupt', async () => {
    const stream = Readable.from([body.subarray(0, 100), body.subarray(100)]);
    await loose.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'chunked', Body: stream, ContentLength: body.length }));
    const { out, bytes } = await read(strict, 'chunked');
    expect(bytes.length).toBeGreaterThan(body.length);
    expect(bytes.toString('latin1')).toMatch(/^[0-9a-f]+\r\n0123/);
    expect(bytes.toString('latin1')).toMatch(/x-amz-checksum-crc32:/);
    // The move's verify would catch it: neither the size nor the MD5 ETag is the file's.
    expect(Number(out.ContentLength)).not.toBe(body.length);
  });

  it('ignores conditional writes: If-None-Match: * overwrites an existing object (S3 answers 412)', async () => {
    await strict.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cond', Body: 'first' }));
    await strict.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cond', Body: 'second', IfNoneMatch: '*' }));
    expect((await read(strict, 'cond')).bytes.toString()).toBe('second');
  });

  it('answers a conditional GET with If-None-Match as S3 does (304)', async () => {
    const { out } = await read(strict, 'plain');
    const err = await strict.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain', IfNoneMatch: out.ETag })).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(304);
  });

  it('does not bind a presigned URL to its method: one signed for GET works for HEAD too (S3 answers 403)', async () => {
    await strict.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'signed', Body: body }));
    const get = await getSignedUrl(strict, new GetObjectCommand({ Bucket: BUCKET, Key: 'signed' }), { expiresIn: 60 });
    const head = await getSignedUrl(strict, new HeadObjectCommand({ Bucket: BUCKET, Key: 'signed' }), { expiresIn: 60 });
    expect((await fetch(get)).status).toBe(200);
    expect((await fetch(get, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(head, { method: 'HEAD' })).status).toBe(200);
  });

  it('enforces a presigned URL\'s expiry (ObjectStore.presign): 200 within it, 403 after', async () => {
    await strict.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'expiring', Body: body }));
    const store = await objectStore(s3Config(s3.endpoint) as S3Config);
    const url = await store.presign('GET', 'expiring', 1);
    expect((await fetch(url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/AccessDenied|expired/i);
  });

  it('deletes many keys at once, missing ones included, without errors', async () => {
    const r = await strict.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'plain' }, { Key: 'never-there' }], Quiet: true } }),
    );
    expect(r.Errors ?? []).toEqual([]);
    expect(statusOf(await read(strict, 'plain').catch((e: unknown) => e))).toBe(404);
  });
});
