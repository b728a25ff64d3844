import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectDatabase, generationDir, newGeneration, renditionFiles } from '@video/shared';
import { createTestDatabase, redisForTests, TEST_REDIS_URL, type TestDatabase } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from '../harness/gate.js';
import { call } from '../harness/http.js';
import { sha256, uniqueMp4 } from '../harness/media.js';
import { SiteUser } from '../harness/site-user.js';
import { nginxSkipReason } from './nginx-process.js';
import { ScaleSite } from './scale-site.js';

const FILE = 'test/system/scale/accel.test.ts';
/** Added to the rendered file's internal location only, so a test can tell nginx sent the bytes. */
const MARKER = 'X-Test-Sent-By';

const skip = mysqlSkipReason(FILE) ?? nginxSkipReason(FILE) ?? ((await redisForTests(FILE)) ? undefined : 'no Redis');

describe.skipIf(Boolean(skip))('system: X-Accel-Redirect through the shipped nginx.conf (stream_accel_redirect_prefix)', () => {
  let db: TestDatabase;
  let site: ScaleSite;
  let owner: SiteUser;
  let open: string;
  let closed: string;
  let file: Buffer;
  const balancer = () => `http://127.0.0.1:${site.ports.stream}`;
  const get = (base: string, url: string, headers: Record<string, string> = {}) => call('GET', `${base}${url}`, { headers });

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    site = await ScaleSite.create({
      databaseUrl: db.url,
      redisUrl: `${TEST_REDIS_URL}/?prefix=sys-accel-${randomBytes(6).toString('hex')}:`,
      env: { STREAM_ACCEL_REDIRECT_PREFIX: '/_accel' },
      editNginx: (conf) => conf.replace(/(location \/_accel\/ \{\n)/, `$1      add_header ${MARKER} nginx;\n`),
    });
    try {
      await site.start();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${site.logTails()}`);
    }
    owner = await SiteUser.fresh(site.url, 'accel').mustSignup();
    open = (await owner.mustCreateVideo()).id;
    file = uniqueMp4(2 * 1024 * 1024);
    await owner.mustUpload(open, file);
    const made = await owner.req('create private', 'POST', `/api/user/${owner.name}/videos`, { json: { name: 'mine only', privacy: 'private' } });
    expect(made.status, made.text()).toBe(201);
    closed = made.json<{ id: string }>().id;
    await owner.mustUpload(closed, file);
  }, 120_000);

  afterAll(async () => {
    await site?.stop();
    await db?.drop();
  }, 60_000);

  it('serves whole files and ranges byte for byte, sent by nginx, with the stream server headers', async () => {
    for (const base of [balancer(), site.url]) {
      const whole = await get(base, `/videos/${open}`);
      expect(whole.status).toBe(200);
      expect(whole.headers[MARKER.toLowerCase()]).toBe('nginx');
      expect(sha256(whole.body)).toBe(sha256(file));
      expect(whole.headers.etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/);
      expect(whole.headers['x-accel-redirect']).toBeUndefined();
      for (const [start, end] of [[0, 0], [1000, 66535], [file.length - 100, file.length - 1]]) {
        const part = await get(base, `/videos/${open}`, { range: `bytes=${start}-${end}` });
        expect(part.status).toBe(206);
        expect(part.headers['content-range']).toBe(`bytes ${start}-${end}/${file.length}`);
        expect(part.body.equals(file.subarray(start, end + 1))).toBe(true);
      }
    }
  });

  it('keeps a private video 404 for a stranger and hands it to its owner', async () => {
    const stranger = await SiteUser.fresh(site.url, 'stranger').mustSignup();
    for (const who of [stranger, new SiteUser(site.url, 'visitor')]) {
      const res = await who.download(closed);
      expect(res.status).toBe(404);
      expect(res.headers['x-accel-redirect']).toBeUndefined();
    }
    const mine = await owner.range(closed, 10, 19);
    expect(mine.status).toBe(206);
    expect(mine.headers[MARKER.toLowerCase()]).toBe('nginx');
    expect(mine.body.equals(file.subarray(10, 20))).toBe(true);
  });

  it('sends an HLS file of the current generation from .media, with its immutable Cache-Control', async () => {
    const id = (await owner.mustCreateVideo()).id;
    const gen = newGeneration();
    const media = randomBytes(300_000);
    const dir = generationDir(site.videoDir, id, gen);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, renditionFiles(360).media), media);
    const conn = connectDatabase(db.url);
    await conn.kysely.updateTable('video_info').set({ media_gen: gen }).where('id', '=', id).execute();
    await conn.close();
    // The row caches of both stream servers (1 s) see the generation.
    await new Promise((r) => setTimeout(r, 1200));
    const res = await get(balancer(), `/videos/${id}/hls/${renditionFiles(360).media}?g=${gen}`, { range: 'bytes=800-1799' });
    expect(res.status).toBe(206);
    expect(res.headers[MARKER.toLowerCase()]).toBe('nginx');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body.equals(media.subarray(800, 1800))).toBe(true);
  });

  it('never lets a client reach the internal location, header or not', async () => {
    for (const base of [balancer(), site.url]) {
      const asks: Record<string, string>[] = [{}, { 'x-accel-allowed': '1' }, { 'x-accel-redirect': `/_accel/${open}` }];
      for (const headers of asks) {
        const res = await get(base, `/_accel/${open}`, headers);
        expect(res.status).toBe(404);
        expect(res.body.length).toBeLessThan(1000);
      }
    }
  });

  it('gives a client on the stream server itself the bytes, not a path', async () => {
    const direct = site.at('streamserver', 1).url;
    const res = await get(direct, `/videos/${open}`, { range: 'bytes=5-14' });
    expect(res.status).toBe(206);
    expect(res.headers['x-accel-redirect']).toBeUndefined();
    expect(res.body.equals(file.subarray(5, 15))).toBe(true);
    // A web drops a client's X-Accel-Allowed (its stream_url here is nginx, which sets its own).
    const web = await get(site.at('web', 1).url, `/videos/${open}`, { 'x-accel-allowed': '1', range: 'bytes=5-14' });
    expect(web.status).toBe(206);
    expect(web.headers['x-accel-redirect']).toBeUndefined();
    expect(web.body.equals(file.subarray(5, 15))).toBe(true);
  });
});
