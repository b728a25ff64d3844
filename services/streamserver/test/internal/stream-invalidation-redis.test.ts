import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softDeleteVideo } from '@video/shared';
import { testDialects, TEST_REDIS_URL, redisForTests } from '@video/shared/testing';
import { buildApp } from '../../src/app.js';
import { parseVideoChanged } from '../../src/internal/video-changed-subscriber.js';
import { createStreamInvalidator } from '../../../api/src/videos/stream-invalidation.js';
import { listen, makeUser, makeVideo, MP4, rawRequest, startApp, type Harness } from '../helper.js';

const REDIS = TEST_REDIS_URL;
const reachable = await redisForTests('stream-invalidation-redis tests');

describe('parseVideoChanged', () => {
  it.each<[string, string | undefined]>([
    ['video abc-123 changed', 'abc-123'],
    ['video  changed', undefined],
    ['video abc deleted', undefined],
    ['xvideo abc changed', undefined],
  ])('%j → %j', (message, id) => {
    expect(parseVideoChanged(message)).toBe(id);
  });
});

describe.skipIf(!reachable).each(testDialects())('"video <id> changed" over Redis reaches every stream server instance (%s)', (dialect) => {
  // One namespace per run so parallel runs never hear each other.
  const redisUrl = `${REDIS}/?prefix=test-stream-${randomBytes(6).toString('hex')}:`;
  let h: Harness;
  let second: FastifyInstance;
  let bases: string[];

  beforeAll(async () => {
    // Long TTLs: only the notice can make the next GET a 404. No internal route is reachable by the
    // publisher (stream_url points nowhere), so the notice must travel over Redis.
    h = await startApp(dialect, { redis_url: redisUrl }, { rowCacheMs: 60_000 });
    second = await buildApp(h.config, { db: h.db, logger: false, rowCacheMs: 60_000 });
    bases = [await listen(h.app), await listen(second)];
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  it('a deleted video is 404 on both instances, fast path and route, right after the publish', async () => {
    const { userId } = await makeUser(h.db);
    const id = await makeVideo(h, userId, { fixture: MP4, contentType: 'video/mp4' });
    for (const base of bases) {
      expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);
      expect((await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' })).status).toBe(206);
    }
    await softDeleteVideo(h.db.kysely, id, userId, Date.now());
    for (const base of bases) expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(200);

    const warnings: unknown[] = [];
    const log = { warn: (...a: unknown[]) => warnings.push(a) } as never;
    const videoChanged = createStreamInvalidator({ redis_url: redisUrl, stream_url: 'http://127.0.0.1:9', internal_token: 'x' }, log);
    try {
      await videoChanged(id);
    } finally {
      await videoChanged.close();
    }
    expect(warnings).toEqual([]);
    for (const base of bases) {
      expect((await rawRequest(base, 'GET', `/videos/${id}`)).status).toBe(404);
      expect((await rawRequest(base, 'GET', `/videos/${id}`, { range: 'bytes=0-9' })).status).toBe(404);
    }
  });
});
