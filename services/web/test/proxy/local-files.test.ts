import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { generationDir, insertSession, insertUser, insertVideo, newGeneration, type Config, type Db } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp as buildStream } from '@video/streamserver';
import { buildWeb, listen, request, type Answer } from '../helper.js';

const get = (base: string, p: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET') => request(base, p, headers, false, method);
const header = (a: Answer, name: string) => a.raw.find(([n]) => n === name)?.[1];
/** The headers a client compares: all but Date and the per-request id (each answer has its own). */
const comparable = (a: Answer) => a.raw.filter(([n]) => n !== 'date' && n !== 'x-request-id');
const openFds = () => readdirSync('/proc/self/fd').length;

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the web sends the files the stream server names (web_serve_local_files)', () => {
  const SIZE = 3 * 1024 * 1024 + 12345;
  const file = randomBytes(SIZE);
  const media = randomBytes(700_000);
  const poster = randomBytes(5_000);
  const playlist = Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:4\n');
  let config: Config;
  let db: Db;
  let closeDb: () => Promise<void>;
  let stream: FastifyInstance;
  let on: FastifyInstance;
  let off: FastifyInstance;
  let onBase: string;
  let offBase: string;
  let id: string;
  let closed: string;
  let owner: string;
  let gen: string;

  const addVideo = async (authorId: number, privacy: 'public' | 'private') => {
    const vid = randomUUID();
    const now = Date.now();
    await insertVideo(db.kysely, {
      id: vid, author_id: authorId, name: 'clip', display_ctime: 'Jan 02 2006, 15:04:05', create_time: now,
      deleted_at: null, upload_state: 'ready', size: SIZE, content_type: 'video/mp4', updated_at: now,
    });
    await db.kysely.updateTable('video_info').set({ privacy }).where('id', '=', vid).execute();
    writeFileSync(path.join(config.video_dir, vid), file);
    return vid;
  };

  beforeAll(async () => {
    ({ db, close: closeDb } = await openTestDb('sqlite'));
    config = testConfig({ stream_accel_redirect_prefix: '/_accel' });
    stream = await buildStream(config, { db, logger: false, rowCacheMs: 0 });
    const streamUrl = (await listen(stream)).base;
    const now = Date.now();
    const userId = await insertUser(db.kysely, { user_name: `u${randomUUID().slice(0, 8)}`, pwd_hash: 'x', create_time: now });
    owner = randomUUID();
    await insertSession(db.kysely, { id: owner, user_id: userId, create_time: now, expires_at: now + 3_600_000 });
    id = await addVideo(userId, 'public');
    closed = await addVideo(userId, 'private');
    gen = newGeneration();
    const dir = generationDir(config.video_dir, id, gen);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'poster.jpg'), poster);
    writeFileSync(path.join(dir, '360.mp4'), media);
    writeFileSync(path.join(dir, '360.m3u8'), playlist);
    await db.kysely.updateTable('video_info').set({ media_gen: gen }).where('id', '=', id).execute();
    on = await buildWeb({ ...config, stream_url: streamUrl });
    off = await buildWeb({ ...config, stream_url: streamUrl, web_serve_local_files: false });
    onBase = (await listen(on)).base;
    offBase = (await listen(off)).base;
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await stream?.close();
    await closeDb?.();
    rmSync(config.video_dir, { recursive: true, force: true });
  });

  const cases: [string, () => string, http.OutgoingHttpHeaders, () => Buffer][] = [
    ['the whole file', () => `/videos/${id}`, {}, () => file],
    ['bytes=a-b (small)', () => `/videos/${id}`, { range: 'bytes=100-65635' }, () => file.subarray(100, 65636)],
    ['bytes=a-b (large)', () => `/videos/${id}`, { range: 'bytes=1000-2098575' }, () => file.subarray(1000, 2098576)],
    ['bytes=a-', () => `/videos/${id}`, { range: `bytes=${SIZE - 300000}-` }, () => file.subarray(SIZE - 300000)],
    ['bytes=-n', () => `/videos/${id}`, { range: 'bytes=-5000' }, () => file.subarray(SIZE - 5000)],
    ['If-Modified-Since in the past', () => `/videos/${id}`, { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, () => file],
    ['a poster', () => `/videos/${id}/poster.jpg`, {}, () => poster],
    ['an HLS playlist', () => `/videos/${id}/hls/360.m3u8?g=${gen}`, {}, () => playlist],
    ['an HLS media range', () => `/videos/${id}/hls/360.mp4?g=${gen}`, { range: 'bytes=800-300799' }, () => media.subarray(800, 300800)],
  ];

  it.each(cases)('%s: the same bytes and headers as relayed, sent by the web', async (_name, url, headers, want) => {
    for (let round = 0; round < 2; round++) {
      const sent = on.videoLocalSent();
      const local = await get(onBase, url(), headers);
      const relayed = await get(offBase, url(), headers);
      expect(on.videoLocalSent() - sent).toBe(1);
      expect(local.status).toBe(relayed.status);
      expect([200, 206]).toContain(local.status);
      expect(local.body.equals(want())).toBe(true);
      expect(relayed.body.equals(want())).toBe(true);
      expect(comparable(local)).toEqual(comparable(relayed));
      expect(header(local, 'x-request-id')).toBeTruthy();
      expect(header(local, 'x-accel-redirect')).toBeUndefined();
    }
  });

  it.each([
    ['HEAD', {}, 'HEAD', 200],
    ['304 If-None-Match', { 'if-none-match': '*' }, 'GET', 304],
    ['416', { range: `bytes=${SIZE + 10}-` }, 'GET', 416],
    ['several ranges', { range: 'bytes=0-9,100-109' }, 'GET', 206],
  ] as const)('%s: still the stream server’s answer', async (_name, headers, method, status) => {
    const sent = on.videoLocalSent();
    const local = await get(onBase, `/videos/${id}`, headers, method);
    const relayed = await get(offBase, `/videos/${id}`, headers, method);
    expect(local.status).toBe(status);
    expect(on.videoLocalSent()).toBe(sent);
    expect(local.body.equals(relayed.body) || status === 206).toBe(true);
    expect(comparable(local).filter(([n]) => n !== 'content-type' || status !== 206)).toEqual(
      comparable(relayed).filter(([n]) => n !== 'content-type' || status !== 206),
    );
  });

  it('keeps privacy: a stranger gets 404, the owner (cookie) gets the file from the web', async () => {
    const stranger = await get(onBase, `/videos/${closed}`);
    expect(stranger.status).toBe(404);
    expect(header(stranger, 'x-accel-redirect')).toBeUndefined();
    const sent = on.videoLocalSent();
    const mine = await get(onBase, `/videos/${closed}`, { cookie: `session=${owner}`, range: 'bytes=0-99' });
    expect(mine.status).toBe(206);
    expect(mine.body.equals(file.subarray(0, 100))).toBe(true);
    expect(on.videoLocalSent() - sent).toBe(1);
  });

  it('never lets a client’s own X-Accel-Allowed reach the stream server: it gets bytes, never a path', async () => {
    for (const base of [onBase, offBase]) {
      const res = await get(base, `/videos/${id}`, { 'x-accel-allowed': '1', range: 'bytes=0-9' });
      expect(res.status).toBe(206);
      expect(res.body.equals(file.subarray(0, 10))).toBe(true);
      expect(header(res, 'x-accel-redirect')).toBeUndefined();
    }
  });

  it('asks again without X-Accel when the named file is another one now (replaced since)', async () => {
    const other = await addVideo(1, 'public');
    await get(onBase, `/videos/${other}`, { range: 'bytes=0-9' });
    const fresh = randomBytes(SIZE + 1);
    // Replaced under the web's trusted stat: the ETags differ, so the stream server answers.
    rmSync(path.join(config.video_dir, other));
    writeFileSync(path.join(config.video_dir, other), fresh);
    const res = await get(onBase, `/videos/${other}`, { range: 'bytes=0-99' });
    expect(res.status).toBe(206);
    expect(res.body.equals(fresh.subarray(0, 100))).toBe(true);
  });

  it('frees the slot and the descriptor of every aborted download', async () => {
    await get(onBase, `/videos/${id}`, { range: 'bytes=0-9' });
    const baseline = openFds();
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(`${onBase}/videos/${id}`, { agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
        req.end();
      });
    }
    await until('the slots to be free', () => on.streamSlotsUsed() === 0);
    await until('the descriptors to be back to the baseline', () => openFds() <= baseline, 5000);
    const after = await get(onBase, `/videos/${id}`, { range: 'bytes=10-19' });
    expect(after.body.equals(file.subarray(10, 20))).toBe(true);
  });
});
