import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedEtag, originalKey, PART_SIZE } from '@video/shared/storage';
import { testDialects } from '@video/shared/testing';
import { abortAfterHeaders, until } from '../../../services/streamserver/test/helper.js';
import { fixture, startWorld, type S3World } from './s3-world.js';

describe.each(testDialects())('object storage: a multipart original, and a proxied download cut short (%s)', (dialect) => {
  let w: S3World;
  let id: string;
  const big = Buffer.concat([fixture(), Buffer.alloc(2 * PART_SIZE + 12345, 7)]);
  beforeAll(async () => {
    w = await startWorld(dialect);
    id = await w.upload('public', big);
    await w.process();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('uploads an original over PART_SIZE in parts and verifies its multipart ETag', async () => {
    expect(await w.move()).toMatchObject({ moved: 1, retried: 0 });
    const head = await w.store.head(originalKey(id));
    expect(head?.size).toBe(big.length);
    const file = `${w.config.video_dir}/.check`;
    await import('node:fs/promises').then((fs) => fs.writeFile(file, big));
    const want = await expectedEtag(file);
    expect(want.etag).toMatch(/-3$/);
    // s3rver gives a multipart object the MD5 of its bytes, not S3's MD5 of the part MD5s.
    expect(head?.etag).toBe(want.md5);
  });

  it('a client that goes away mid-body aborts the request to the store', async () => {
    let seen: { signal: AbortSignal; body: Readable } | undefined;
    const get = w.store.get.bind(w.store);
    w.store.get = async (key, range, signal) => {
      const out = await get(key, range, signal);
      seen = { signal, body: out.Body as Readable };
      return out;
    };
    try {
      expect(await abortAfterHeaders(w.proxy, `/videos/${id}`)).toBe(200);
      await until('the store request aborted', () => !!seen && seen.signal.aborted && seen.body.destroyed && !seen.body.readableEnded, 5_000);
    } finally {
      w.store.get = get;
    }
    const res = await fetch(`${w.proxy}/videos/${id}`, { headers: { range: `bytes=${PART_SIZE - 2}-${PART_SIZE + 1}` } });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer()).equals(big.subarray(PART_SIZE - 2, PART_SIZE + 2))).toBe(true);
  });
});
