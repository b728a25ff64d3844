import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PART_SIZE } from './object-keys.js';

/**
 * The ETag an S3 store gives a file uploaded by ObjectStore.putFile: the MD5 of the bytes for a
 * single PUT, or the MD5 of the parts' MD5s and `-<parts>` for a multipart upload of PART_SIZE
 * parts. One read of the file.
 */
export async function expectedEtag(file: string, signal?: AbortSignal): Promise<{ size: number; etag: string }> {
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
  if (parts.length <= 1) return { size, etag: whole.digest('hex') };
  return { size, etag: `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}` };
}

/** Whether an ETag is an MD5 form this check can compare (SSE-KMS and some stores give others). */
export function isMd5Etag(etag: string): boolean {
  return /^[0-9a-f]{32}(-[0-9]+)?$/.test(etag);
}
