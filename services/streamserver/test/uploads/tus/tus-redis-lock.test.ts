import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusStoreDir } from '@video/shared';
import { openTestDb, redisForTests, testConfig, testDialects, TEST_REDIS_URL } from '@video/shared/testing';
import { buildApp } from '../../../src/app.js';
import { videoPath } from '../../../src/uploads/video-store.js';
import { listen, makeUser, makeVideo, mp4Bytes } from '../../helper.js';
import { errorBody, OCTETS, storeEntries, TUS, tusClient, uploadIdOf, uploadRows, videoLike } from '../../helpers/tus-helper.js';

const MiB = 1024 * 1024;
const hasRedis = await redisForTests('tus upload locks across stream servers');

/** A PATCH whose body trickles in (64 KiB every few ms), so two of them overlap in time. */
function slowPatch(base: string, id: string, sessionId: string, body: Buffer): Promise<{ status: number; offset?: string }> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const req = httpRequest({
      host: u.hostname, port: u.port, method: 'PATCH', path: `/files/${id}`, agent: false,
      headers: { ...TUS, 'x-session-id': sessionId, 'content-type': OCTETS, 'upload-offset': '0', 'content-length': String(body.length) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, offset: res.headers['upload-offset'] as string | undefined }));
    });
    // A request cut by the server (the lock was handed over) ends here too.
    req.on('error', () => resolve({ status: 0 }));
    let sent = 0;
    const step = 64 * 1024;
    const pump = () => {
      if (req.destroyed) return;
      if (sent >= body.length) return void req.end();
      req.write(body.subarray(sent, sent + step));
      sent += step;
      setTimeout(pump, 4);
    };
    pump();
  });
}

describe.skipIf(!hasRedis).each(testDialects())('tus on two stream servers sharing one video_dir (%s)', (dialect) => {
  let a: FastifyInstance;
  let b: FastifyInstance;
  let baseA: string;
  let baseB: string;
  let closeDb: () => Promise<void>;
  let h: { db: Awaited<ReturnType<typeof openTestDb>>['db']; config: ReturnType<typeof testConfig> };

  beforeAll(async () => {
    const t = await openTestDb(dialect);
    closeDb = t.close;
    const config = testConfig({ max_upload_mb: 16, redis_url: `${TEST_REDIS_URL}?prefix=tuslock-${randomUUID()}:` });
    h = { db: t.db, config };
    a = await buildApp(config, { db: t.db, logger: false });
    b = await buildApp(config, { db: t.db, logger: false });
    baseA = await listen(a);
    baseB = await listen(b);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await closeDb?.();
  });

  it('lets one of two overlapping PATCHes write: the stored bytes are a prefix of exactly one body', async () => {
    const { userId, sessionId } = await makeUser(h.db);
    const size = 3 * MiB;
    const bodyA = videoLike(mp4Bytes(), size);
    const bodyB = videoLike(mp4Bytes(), size);
    const videoId = await makeVideo(h, userId);
    const id = uploadIdOf(await tusClient(baseA, sessionId).create(videoId, size));

    const results = await Promise.all([slowPatch(baseA, id, sessionId, bodyA), slowPatch(baseB, id, sessionId, bodyB)]);
    const head = await tusClient(baseB, sessionId).head(id);
    const offset = Number(head.headers['upload-offset']);
    // The loser is told to resume (409, or 400 when the lock was taken from it), never a 5xx.
    expect(results.filter((r) => r.status === 204).length, JSON.stringify(results)).toBeLessThanOrEqual(1);
    expect(results.every((r) => r.status > 0 && r.status < 500), JSON.stringify(results)).toBe(true);

    if (offset < size) {
      // Not finished: what is stored must be one body's prefix, never a mix of both.
      const data = readFileSync(path.join(tusStoreDir(h.config.video_dir), id));
      expect(statSync(path.join(tusStoreDir(h.config.video_dir), id)).size).toBe(offset);
      const winner = data.equals(bodyA.subarray(0, offset)) ? bodyA : data.equals(bodyB.subarray(0, offset)) ? bodyB : null;
      expect(winner, `stored ${offset} bytes are neither body's prefix`).not.toBeNull();
      const rest = await tusClient(baseA, sessionId).patch(id, offset, winner!.subarray(offset));
      expect(rest.status).toBe(204);
    }
    const done = await tusClient(baseA, sessionId).head(id);
    expect(done.headers['upload-offset']).toBe(String(size));
    const placed = readFileSync(videoPath(h.config.video_dir, videoId));
    expect(placed.equals(bodyA) || placed.equals(bodyB), 'the placed file is one whole body').toBe(true);
  }, 30_000);

  it('a resume on the other instance takes the lock from a PATCH that stalled on the first', async () => {
    const { userId, sessionId } = await makeUser(h.db);
    const size = 2 * MiB;
    const body = videoLike(mp4Bytes(), size);
    const id = uploadIdOf(await tusClient(baseA, sessionId).create(await makeVideo(h, userId), size));
    // A PATCH on A that sends half its body and then stalls, holding A's lock.
    const u = new URL(baseA);
    const stalled = httpRequest({
      host: u.hostname, port: u.port, method: 'PATCH', path: `/files/${id}`, agent: false,
      headers: { ...TUS, 'x-session-id': sessionId, 'content-type': OCTETS, 'upload-offset': '0', 'content-length': String(size) },
    });
    stalled.on('error', () => undefined);
    stalled.on('response', (res) => res.resume());
    stalled.write(body.subarray(0, MiB));
    await new Promise((r) => setTimeout(r, 300));
    // B's HEAD asks A (over Redis) to let go, then answers with what A wrote.
    const started = Date.now();
    const head = await tusClient(baseB, sessionId).head(id);
    expect(head.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBeLessThanOrEqual(MiB);
    const rest = await tusClient(baseB, sessionId).patch(id, offset, body.subarray(offset));
    expect(rest.status).toBe(204);
    stalled.destroy();
  }, 30_000);
});

describe.each(testDialects())('tus with redis_url while Redis is away (%s)', (dialect) => {
  it('refuses new uploads with 503 011 and leaves nothing behind', async () => {
    const t = await openTestDb(dialect);
    // Nothing listens on port 1: the locker never becomes ready.
    const config = testConfig({ max_upload_mb: 8, redis_url: 'redis://127.0.0.1:1' });
    const app = await buildApp(config, { db: t.db, logger: false });
    try {
      const base = await listen(app);
      const { userId, sessionId } = await makeUser(t.db);
      const created = await tusClient(base, sessionId).create(await makeVideo({ db: t.db, config }, userId), 64 * 1024);
      expect(created.status).toBe(503);
      expect(errorBody(created).error_code).toBe('011');
      expect(storeEntries(config.video_dir)).toEqual([]);
      expect(await uploadRows(t.db)).toEqual([]);
    } finally {
      await app.close();
      await t.close();
    }
  }, 30_000);
});
