import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationDir } from '@video/shared';
import { derivedKey, originalKey } from '@video/shared/storage';
import { testDialects } from '@video/shared/testing';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { tusClient, uploadIdOf } from '../../../services/streamserver/test/helpers/tus-helper.js';
import { fixture, mediaGen, startWorld, storageOf, type S3World } from './s3-world.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

describe.each(testDialects())('object storage: upload → processed → moved, served by redirect (%s)', (dialect) => {
  let w: S3World;
  beforeAll(async () => {
    w = await startWorld(dialect);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('moves the original and the generation to the bucket, verified, and removes the local copies', async () => {
    const id = await w.upload();
    await w.process();
    const gen = await mediaGen(w.db, id);
    expect(await storageOf(w.db, id)).toBe('local');
    expect(await w.move()).toMatchObject({ claimed: 1, moved: 1 });
    expect(await storageOf(w.db, id)).toBe('s3');
    expect(existsSync(path.join(w.config.video_dir, id))).toBe(false);
    expect(existsSync(generationDir(w.config.video_dir, id, gen))).toBe(false);
    expect(await w.store.head(originalKey(id))).toEqual({ size: fixture().length, etag: md5(fixture()) });
    const poster = await w.store.client.send(new HeadObjectCommand({ Bucket: w.store.bucket, Key: derivedKey(id, gen, 'poster.jpg') }));
    expect(poster).toMatchObject({ ContentType: 'image/jpeg', CacheControl: 'public, max-age=31536000, immutable', ContentLength: 'poster.jpg'.length });
    for (const f of ['master.m3u8', '360.m3u8', '720.mp4', 'storyboard.jpg']) expect(await w.store.head(derivedKey(id, gen, f))).toBeDefined();
    // Nothing left to do: a second run finds no move.
    expect(await w.move()).toMatchObject({ claimed: 0 });
  });

  it('a tus upload (two PATCHes) lands in video_dir, is processed, then moved', async () => {
    const id = await w.pending();
    const bytes = fixture();
    const tus = tusClient(w.redirect, w.owner.sessionId);
    const upload = uploadIdOf(await tus.create(id, bytes.length));
    const half = Math.floor(bytes.length / 2);
    expect((await tus.patch(upload, 0, bytes.subarray(0, half))).status).toBe(204);
    expect((await tus.patch(upload, half, bytes.subarray(half))).status).toBe(204);
    expect(readFileSync(path.join(w.config.video_dir, id)).equals(bytes)).toBe(true);
    await w.process();
    // A transient bucket error is retried by design (printed by the world); the move must land by the second run.
    const first = await w.move();
    if (first.retried === 1) expect(await w.move()).toMatchObject({ moved: 1 });
    else expect(first).toMatchObject({ moved: 1 });
    expect(existsSync(path.join(w.config.video_dir, id))).toBe(false);
    expect((await w.store.head(originalKey(id)))?.etag).toBe(md5(bytes));
  });

  it('answers GET and HEAD of the original with a 302 to a presigned URL that is never cached; following it gives the bytes', async () => {
    const id = await w.upload();
    await w.process();
    await w.move();
    const res = await fetch(`${w.redirect}/videos/${id}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${w.config.s3_endpoint}/${w.config.s3_bucket}/videos/${id}?`)).toBe(true);
    expect(location).toMatch(/X-Amz-Expires=60/);
    const followed = await fetch(`${w.redirect}/videos/${id}`);
    expect(followed.status).toBe(200);
    expect(Buffer.from(await followed.arrayBuffer()).equals(fixture())).toBe(true);
    const head = await fetch(`${w.redirect}/videos/${id}`, { method: 'HEAD' });
    // Followed: a HEAD goes to a URL signed for HEAD (one signed for GET would be refused).
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(fixture().length));
    const ranged = await fetch(location, { headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(fixture().subarray(0, 10))).toBe(true);
  });

  it('redirects the derived files of the served generation but proxies its playlists; another generation is still a 404', async () => {
    const id = await w.upload();
    await w.process();
    await w.move();
    const gen = await mediaGen(w.db, id);
    const poster = await fetch(`${w.redirect}/videos/${id}/poster.jpg?g=${gen}`);
    expect(poster.status).toBe(200);
    expect(await poster.text()).toBe('poster.jpg');
    const media = await fetch(`${w.redirect}/videos/${id}/hls/720.mp4?g=${gen}`, { redirect: 'manual' });
    expect(media.status).toBe(302);
    expect(media.headers.get('cache-control')).toBe('private, no-store');
    // Playlists come through the stream server even in redirect mode: their relative URIs must
    // resolve against it, not against the bucket.
    const master = await fetch(`${w.redirect}/videos/${id}/hls/master.m3u8?g=${gen}`, { redirect: 'manual' });
    expect(master.status).toBe(200);
    expect(master.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await master.text()).toBe('master.m3u8');
    expect((await fetch(`${w.redirect}/videos/${id}/hls/720.mp4?g=g00000000-00000000`)).status).toBe(404);
    expect((await fetch(`${w.redirect}/videos/${id}/hls/999.mp4`)).status).toBe(404);
  });

  it('keeps a private video private: the redirect only for its owner, the same 404 for anyone else', async () => {
    const id = await w.upload('private');
    await w.process();
    expect(await w.move()).toMatchObject({ moved: 1 });
    const as = (sid?: string) => fetch(`${w.redirect}/videos/${id}`, { redirect: 'manual', headers: sid ? { 'x-session-id': sid } : {} });
    expect((await as()).status).toBe(404);
    expect((await as(w.other.sessionId)).status).toBe(404);
    const mine = await as(w.owner.sessionId);
    expect(mine.status).toBe(302);
    expect(mine.headers.get('cache-control')).toBe('private, no-store');
    expect((await fetch(`${w.redirect}/videos/${id}/poster.jpg`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${w.redirect}/videos/${id}/poster.jpg`, { redirect: 'manual', headers: { 'x-session-id': w.owner.sessionId } })).status).toBe(302);
  });
});
