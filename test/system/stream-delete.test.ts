import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase, TEST_REDIS_URL, redisForTests } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from './harness/gate.js';
import { uniqueMp4 } from './harness/media.js';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';

const skip = mysqlSkipReason('test/system/stream-delete.test.ts');
const REDIS = TEST_REDIS_URL;
const redisUp = await redisForTests('test/system/stream-delete.test.ts: the Redis variant');
const variants: [string, Record<string, string>][] = [['over the internal route', {}]];
if (redisUp) variants.push(['over Redis pub/sub', { REDIS_URL: `${REDIS}/?prefix=sys-stream-${randomBytes(6).toString('hex')}:` }]);

describe.skipIf(Boolean(skip)).each(variants)('system: a deleted video stops streaming before the delete answers (%s)', (_name, extraEnv) => {
  let db: TestDatabase;
  let site: Site;
  let owner: SiteUser;

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    site = await Site.create({ databaseUrl: db.url, env: { INTERNAL_TOKEN: 'system-internal-token-0123456789', MIN_FREE_DISK_MB: '0', ...extraEnv } });
    await site.start();
    owner = await SiteUser.fresh(site.web, 'deleter').mustSignup();
  }, 180_000);

  afterAll(async () => {
    await site?.stop();
    await db?.drop();
  }, 60_000);

  it('GET right after the 204 is 404 on the stream server and through the web, for whole files and ranges', async () => {
    for (let i = 0; i < 3; i++) {
      const id = (await owner.mustCreateVideo()).id;
      await owner.mustUpload(id, uniqueMp4(1000));
      // Warm the stream server's row cache on both paths (whole file: route or fast path; a range).
      expect((await owner.download(id)).status).toBe(200);
      expect((await owner.range(id, 0, 9)).status).toBe(206);
      const direct = await fetch(`${site.stream}/videos/${id}`, { headers: { range: 'bytes=0-9' } });
      expect(direct.status).toBe(206);
      await direct.arrayBuffer();
      expect((await owner.deleteVideo(id)).status).toBe(204);
      const web = await owner.download(id);
      expect(web.status).toBe(404);
      const again = await fetch(`${site.stream}/videos/${id}`, { headers: { range: 'bytes=0-9' } });
      expect(again.status).toBe(404);
      await again.arrayBuffer();
    }
    expect(site.unexpectedExits()).toEqual([]);
  }, 60_000);
});
