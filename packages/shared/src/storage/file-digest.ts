import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PART_SIZE } from './object-keys.js';

/** A file's size and the ETags a store may give it once uploaded by ObjectStore.putFile. */
export interface FileDigest {
  size: number;
  /** What S3 gives it: the MD5 of the bytes (one PUT), or the MD5 of the parts' MD5s and `-<parts>`. */
  etag: string;
  /** The MD5 of the bytes, which some stores (s3rver) give a multipart upload too. */
  md5: string;
}

/** The size, S3's ETag and the MD5 of a file, in one read. */
export async function expectedEtag(file: string, signal?: AbortSignal): Promise<FileDigest> {
  const whole = createHash('md5');
  const parts: Buffer[] = [];
  let part: Hash = createHash('md5');
  let inPart = 0;
  let size = 0;
  for await (const chunk of createReadStream(file, { signal })) {
    const buf = chunk as Buffer;
    whole.update(buf);
    size += buf.length;
    let offset = 0;
    while (offset < buf.length) {
      const take = Math.min(PART_SIZE - inPart, buf.length - offset);
      part.update(buf.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === PART_SIZE) {
        parts.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) parts.push(part.digest());
  const md5 = whole.digest('hex');
  if (parts.length <= 1) return { size, etag: md5, md5 };
  return { size, etag: `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`, md5 };
}

/** Whether an ETag is an MD5 form this check can compare (SSE-KMS and some stores give others). */
export function isMd5Etag(etag: string): boolean {
  return /^[0-9a-f]{32}(-[0-9]+)?$/.test(etag);
}
