import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { AppError, notFound, rangeNotSatisfiable, unavailable, type Config, type Video } from '@video/shared';
import type { ObjectStore } from '@video/shared/storage';

/** What the answer for an object says besides its bytes. */
export interface BucketAnswer {
  contentType: string;
  /** Sent with the bytes (proxy); a redirect is always `private, no-store`. */
  cacheControl?: string;
  /** Always through this server, whatever s3_serve says (HLS playlists: see below). */
  proxy?: boolean;
}

/** One Range the store can answer as asked (`bytes=a-b`, `a-`, `-n`); anything else gets the whole object. */
export function singleRange(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^bytes=(\d+-\d*|-\d+)$/.test(header.trim()) ? header.trim() : undefined;
}

/**
 * Answers a GET or HEAD of a file in the bucket, after the caller's visibility check: a 302 to a
 * presigned GET that expires soon (s3_serve redirect; never kept by any cache, as a private
 * video's URL must not outlive the check), or the object's bytes through this server with the
 * client's Range passed on (s3_serve proxy); a client that goes away aborts the store's request.
 */
export async function replyFromBucket(config: Config, reply: FastifyReply, key: string, a: BucketAnswer): Promise<FastifyReply> {
  // Loaded on first use: with local storage the SDK is never loaded.
  const { objectStore, statusOf } = await import('@video/shared/storage/s3');
  const store = await objectStore(config);
  if (config.s3_serve === 'redirect' && !a.proxy) {
    const method = reply.request.method === 'HEAD' ? 'HEAD' : 'GET';
    const url = await store.presign(method, key, config.s3_presign_seconds, { contentType: a.contentType });
    return reply.header('cache-control', 'private, no-store').redirect(url, 302);
  }
  const request = reply.request;
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  if (request.method === 'HEAD') {
    const head = await store.head(key, controller.signal).catch((err: unknown) => {
      throw unavailable('the object store did not answer', err);
    });
    if (!head) throw notFound('no such file');
    reply.headers({ 'accept-ranges': 'bytes', 'content-type': a.contentType, 'content-length': head.size, etag: `"${head.etag}"` });
    if (a.cacheControl) reply.header('cache-control', a.cacheControl);
    return reply.code(200).send();
  }
  return proxyGet(store, statusOf, reply, key, a, controller);
}

/**
 * A suffix range (`bytes=-n`) as first-last positions: some stores (s3rver) read `-n` as `0-n`.
 * One HeadObject, only for suffix ranges; a suffix longer than the object is the whole object.
 */
async function absoluteRange(store: ObjectStore, key: string, range: string | undefined): Promise<string | undefined> {
  const suffix = range && /^bytes=-(\d+)$/.exec(range);
  if (!suffix) return range;
  const head = await store.head(key);
  if (!head) throw notFound('no such file');
  const n = Number(suffix[1]);
  if (n === 0) throw rangeNotSatisfiable(head.size);
  if (head.size === 0) return undefined;
  return `bytes=${Math.max(0, head.size - n)}-${head.size - 1}`;
}

async function proxyGet(
  store: ObjectStore,
  statusOf: (err: unknown) => number | undefined,
  reply: FastifyReply, key: string, a: BucketAnswer, controller: AbortController): Promise<FastifyReply> {
  let out;
  try {
    out = await store.get(key, await absoluteRange(store, key, singleRange(reply.request.headers.range)), controller.signal);
  } catch (err) {
    if (err instanceof AppError) throw err;
    const status = statusOf(err);
    if (status === 404) throw notFound('no such file');
    if (status === 416) throw rangeNotSatisfiable((await store.head(key))?.size ?? 0);
    if (controller.signal.aborted) throw err;
    throw unavailable('the object store did not answer', err);
  }
  const headers: Record<string, string | number> = { 'accept-ranges': 'bytes', 'content-type': a.contentType };
  if (out.ContentLength !== undefined) headers['content-length'] = out.ContentLength;
  if (out.ContentRange) headers['content-range'] = out.ContentRange;
  if (out.ETag) headers.etag = out.ETag;
  if (out.LastModified) headers['last-modified'] = out.LastModified.toUTCString();
  if (a.cacheControl) headers['cache-control'] = a.cacheControl;
  return reply
    .code(out.ContentRange ? 206 : 200)
    .headers(headers)
    .send(out.Body as Readable);
}

/**
 * Whether a video whose local file is missing is in the bucket. The cached row may predate the
 * move (it removes the local copy right after recording it), so a row still saying local is read
 * again from the database: this is the miss path only, never the common one.
 */
export async function movedToBucket(rows: { get(id: string): Promise<Video | undefined>; invalidate(id: string): void }, video: Video): Promise<boolean> {
  if (video.storage === 's3') return true;
  rows.invalidate(video.id);
  return (await rows.get(video.id))?.storage === 's3';
}
