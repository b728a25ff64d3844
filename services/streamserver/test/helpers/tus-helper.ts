import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tusStoreDir, type Db } from '@video/shared';
import { rawRequest, type RawResponse } from '../helper.js';

export const TUS = { 'tus-resumable': '1.0.0' };
export const OCTETS = 'application/offset+octet-stream';

export function metadata(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

export interface TusClient {
  create(videoId: string, length: number, extra?: Record<string, string>): Promise<RawResponse>;
  head(id: string, extra?: Record<string, string>): Promise<RawResponse>;
  patch(id: string, offset: number, bytes: Buffer, extra?: Record<string, string>): Promise<RawResponse>;
  del(id: string, extra?: Record<string, string>): Promise<RawResponse>;
}

/** A minimal tus client over real sockets, signed in with `sessionId`. */
export function tusClient(base: string, sessionId: string): TusClient {
  const auth = { ...TUS, 'x-session-id': sessionId };
  return {
    create: (videoId, length, extra = {}) =>
      rawRequest(base, 'POST', '/files', {
        ...auth,
        'upload-length': String(length),
        'upload-metadata': metadata({ video_id: videoId, filename: 'clip.mp4' }),
        ...extra,
      }),
    head: (id, extra = {}) => rawRequest(base, 'HEAD', `/files/${id}`, { ...auth, ...extra }),
    patch: (id, offset, bytes, extra = {}) =>
      rawRequest(
        base,
        'PATCH',
        `/files/${id}`,
        { ...auth, 'content-type': OCTETS, 'upload-offset': String(offset), 'content-length': String(bytes.length), ...extra },
        bytes,
      ),
    del: (id, extra = {}) => rawRequest(base, 'DELETE', `/files/${id}`, { ...auth, ...extra }),
  };
}

/** The upload id at the end of a Location header. */
export function uploadIdOf(res: RawResponse): string {
  const loc = res.headers.location;
  if (typeof loc !== 'string') throw new Error(`no Location (status ${res.status}: ${res.body.toString()})`);
  return loc.slice(loc.lastIndexOf('/') + 1);
}

export function errorBody(res: RawResponse): { error: string; error_code: string } {
  return JSON.parse(res.body.toString()) as { error: string; error_code: string };
}

/** Names in the tus store directory (data files and their .json info files). */
export function storeEntries(videoDir: string): string[] {
  try {
    return readdirSync(tusStoreDir(videoDir)).sort();
  } catch {
    return [];
  }
}

export async function uploadRows(db: Db) {
  return db.kysely.selectFrom('uploads').selectAll().execute();
}

/** A file that sniffs as MP4 (the fixture's leading bytes) padded with random bytes to `size`. */
export function videoLike(head: Buffer, size: number): Buffer {
  if (size <= head.length) return Buffer.from(head.subarray(0, size));
  return Buffer.concat([head, randomBytes(size - head.length)]);
}
