import { randomBytes } from 'node:crypto';
import { createTestDatabase, redisForTests, startEnvelopeCollector, TEST_REDIS_URL, type EnvelopeCollector, type TestDatabase } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from '../harness/gate.js';
import { call } from '../harness/http.js';
import { sha256, uniqueMp4 } from '../harness/media.js';
import { SiteUser } from '../harness/site-user.js';
import { nginxSkipReason } from './nginx-process.js';
import { ScaleSite } from './scale-site.js';
import { loadLoop, signUpOn, Socket, tusCreate, tusHead, tusPatch, tusPatchCut, type Outcome } from './scale-journey.js';

const FILE = 'test/system/scale/scale.test.ts';

const skip = mysqlSkipReason(FILE) ?? nginxSkipReason(FILE) ?? ((await redisForTests(FILE)) ? undefined : 'no Redis');
const SIGNIN_LIMIT = 6;

describe.skipIf(Boolean(skip))('system: two instances of every service behind the shipped nginx.conf', () => {
  let db: TestDatabase;
  let site: ScaleSite;
  let collector: EnvelopeCollector;
  let owner: SiteUser;
  let ownerSid: string;
  let videoId: string;
  let file: Buffer;
  const timings: Record<string, number> = {};
  const api = (i: 1 | 2) => site.at('api', i).url;
  const stream = (i: 1 | 2) => site.at('streamserver', i).url;

  beforeAll(async () => {
    const started = Date.now();
    db = await createTestDatabase('mysql');
    collector = await startEnvelopeCollector();
    site = await ScaleSite.create({
      databaseUrl: db.url,
      redisUrl: `${TEST_REDIS_URL}/?prefix=sys-scale-${randomBytes(6).toString('hex')}:`,
      env: { SIGNIN_RATE_LIMIT: String(SIGNIN_LIMIT), DANMAKU_RATE_LIMIT: '100000', SENTRY_DSN: collector.dsn, SENTRY_RELEASE: 'scale-test-release' },
    });
    try {
      await site.start();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${site.logTails()}`);
    }
    timings.start_ms = Date.now() - started;
  }, 120_000);

  afterAll(async () => {
    if (Object.keys(timings).length) console.info(`${FILE} timings: ${JSON.stringify(timings)}`);
    await site?.stop();
    await collector?.close();
    await db?.drop();
  }, 60_000);

  it('signs up through the balancer, uploads with tus on stream server 2, resumes on 1 after a cut', async () => {
    const t = Date.now();
    owner = await SiteUser.fresh(site.url, 'scaler').mustSignup();
    ownerSid = owner.cookie;
    videoId = (await owner.mustCreateVideo()).id;
    file = uniqueMp4(3 * 1024 * 1024);
    const upload = await tusCreate(stream(2), ownerSid, videoId, file.length);
    await tusPatchCut(stream(2), ownerSid, upload, file, 1024 * 1024);
    const head = await tusHead(stream(1), ownerSid, upload);
    expect(head.status).toBe(200);
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(1024 * 1024);
    const rest = await tusPatch(stream(1), ownerSid, upload, offset, file.subarray(offset));
    expect(rest.status, rest.text()).toBe(204);
    // Served whole, through nginx → a web → nginx → either stream server.
    for (let i = 0; i < 4; i++) {
      const got = await owner.download(videoId);
      expect(got.status).toBe(200);
      expect(sha256(got.body)).toBe(sha256(file));
    }
    timings.tus_cross_instance_ms = Date.now() - t;
  }, 30_000);

  it('a danmaku posted on api 1 reaches sockets on api 2 and through the balancer', async () => {
    const direct = await Socket.open(`${api(2)}/danmaku/ws?id=${videoId}`);
    const balanced = await Socket.open(`${site.url}/api/danmaku/ws?id=${videoId}`, { cookie: `session=${ownerSid}` });
    try {
      // A room's first count is sent once its instance is subscribed on Redis: from then on nothing is missed.
      await Promise.all([direct.next((m) => m.type === 'viewers'), balanced.next((m) => m.type === 'viewers')]);
      const text = `hello ${randomBytes(3).toString('hex')}`;
      const t = Date.now();
      const res = await call('POST', `${api(1)}/danmaku/v3`, { headers: { 'x-session-id': ownerSid }, json: { id: videoId, time: 1, text, color: '#ffffff', type: 0 } });
      expect(res.status, res.text()).toBe(200);
      const hit = (m: { type: string; [k: string]: unknown }) => m.type === 'danmaku' && JSON.stringify(m).includes(text);
      await Promise.all([direct.next(hit), balanced.next(hit)]).catch((err: Error) => {
        throw new Error(`${err.message}\n${site.logTails()}`);
      });
      timings.danmaku_fanout_ms = Date.now() - t;
    } finally {
      direct.close();
      balanced.close();
    }
  }, 20_000);

  it('a follow on api 2 rings the bell of a socket on api 1', async () => {
    const bell = await Socket.open(`${api(1)}/notifications/ws`, { 'x-session-id': ownerSid });
    try {
      const fan = `fan${randomBytes(3).toString('hex')}`;
      const fanSid = await signUpOn(api(2), fan, 'fan-password-1');
      const t = Date.now();
      const res = await call('PUT', `${api(2)}/user/${fan}/following/${owner.name}`, { headers: { 'x-session-id': fanSid } });
      expect(res.status, res.text()).toBe(204);
      await bell.next((m) => m.type === 'follow');
      timings.notification_fanout_ms = Date.now() - t;
    } finally {
      bell.close();
    }
  }, 20_000);

  it('the sign-in limit counts failures on both api instances together', async () => {
    const ghost = `ghost${randomBytes(3).toString('hex')}`;
    const statuses: number[] = [];
    for (let i = 0; i < SIGNIN_LIMIT + 2; i++) {
      const res = await call('POST', `${api(((i % 2) + 1) as 1 | 2)}/user/${ghost}`, { json: { user_name: ghost, pwd: 'wrong-password' } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(SIGNIN_LIMIT).fill(401), 429, 429]);
  }, 20_000);

  it('limits key on the first untrusted hop through nginx → web → nginx → api, counted across instances', async () => {
    // The test client is on loopback (trusted), so the address it claims is the first untrusted hop.
    const signUpAs = (address: string) => call('POST', `${site.url}/signup`, {
      headers: { 'x-forwarded-for': address },
      json: { user_name: `xff${randomBytes(4).toString('hex')}`, pwd: 'xff-password-1' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < SIGNIN_LIMIT + 1; i++) statuses.push((await signUpAs('203.0.113.7')).status);
    expect(statuses).toEqual([...Array(SIGNIN_LIMIT).fill(201), 429]);
    expect((await signUpAs('203.0.113.8')).status).toBe(201);
  }, 20_000);

  it('a deletion on api 1 makes the file 404 on both stream servers at once', async () => {
    const doomed = (await owner.mustCreateVideo()).id;
    await owner.mustUpload(doomed, uniqueMp4(2000));
    // Both stream servers have the row cached.
    for (const i of [1, 2] as const) expect((await call('GET', `${stream(i)}/videos/${doomed}`, { headers: { range: 'bytes=0-9' } })).status).toBe(206);
    const del = await call('DELETE', `${api(1)}/user/${owner.name}/videos/${doomed}`, { headers: { 'x-session-id': ownerSid } });
    expect(del.status, del.text()).toBe(204);
    const after = await Promise.all(([1, 2] as const).map((i) => call('GET', `${stream(i)}/videos/${doomed}`, { headers: { range: 'bytes=0-9' } })));
    expect(after.map((r) => r.status)).toEqual([404, 404]);
  }, 20_000);

  it('SIGKILL of one instance of each service mid-load: no request fails, nothing is lost', async () => {
    const pool = async () => (await call('GET', `${site.url}/api/danmaku/v3?id=${videoId}`)).json<{ data: unknown[] }>().data.length;
    const before = await pool();
    let posted = 0;
    let killedAt = 0;
    let killDoneAt = 0;
    const t = Date.now();
    const outcomes: Outcome[] = await loadLoop(320, 4, (i) => {
      const kind = i % 4;
      if (kind === 0) return { what: 'list', run: () => owner.listVideos() };
      if (kind === 1) return { what: 'range', run: () => owner.range(videoId, 1000, 65_535) };
      if (kind === 2) return { what: 'page', run: () => call('GET', `${site.url}/`) };
      return {
        what: 'danmaku',
        run: async () => {
          const res = await owner.req('danmaku', 'POST', '/api/danmaku/v3', { json: { id: videoId, time: i, text: `load ${i}`, color: '#fff', type: 0 } });
          if (res.status === 200) posted++;
          return res;
        },
      };
    }, 60, async () => {
      killedAt = Date.now();
      await Promise.all((['web', 'api', 'streamserver', 'scheduler'] as const).map((n) => site.at(n, 1).kill('SIGKILL')));
      killDoneAt = Date.now();
    });
    timings.load_ms = Date.now() - t;
    timings.load_requests = outcomes.length;
    const failed = outcomes.filter((o) => o.status !== 200 && o.status !== 206);
    expect(killedAt).toBeGreaterThan(0);
    // nginx retries what may be repeated (GET) on the other instance; a POST already sent to an
    // instance that died under it is not repeated (it may have been applied): only those may fail.
    const inFlightPosts = failed.filter((o) => o.what === 'danmaku' && o.startedAt <= killDoneAt);
    expect(failed.filter((o) => !inFlightPosts.includes(o)), JSON.stringify(failed.slice(0, 5))).toEqual([]);
    timings.load_failed_in_flight_posts = inFlightPosts.length;
    // Nothing lost: every accepted danmaku is stored (one cut under way may have been, too), and
    // the tus upload still streams whole.
    const stored = await pool();
    expect(stored).toBeGreaterThanOrEqual(before + posted);
    expect(stored).toBeLessThanOrEqual(before + posted + inFlightPosts.length);
    const got = await owner.download(videoId);
    expect(sha256(got.body)).toBe(sha256(file));
    for (const n of ['web', 'api', 'streamserver', 'scheduler'] as const) expect(site.at(n, 2).running, `${n}-2`).toBe(true);
  }, 60_000);

  it('with every api gone, a web 5xx reaches error tracking with request id, service and release, scrubbed', async () => {
    await site.at('api', 2).kill('SIGKILL');
    const web = site.at('web', 2).url;
    const secret = `tok-${randomBytes(8).toString('hex')}`;
    const res = await call('GET', `${web}/api/user/${owner.name}/videos?access_token=${secret}`, { headers: { cookie: `session=${ownerSid}`, 'x-session-id': ownerSid } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const requestId = res.headers['x-request-id'];
    const text = await collector.waitFor((t) => t.includes(`"request_id":"${requestId}"`));
    expect(text).toContain('"service":"web"');
    expect(text).toContain('"release":"scale-test-release"');
    for (const value of [secret, ownerSid]) expect(text.includes(value)).toBe(false);
  }, 20_000);
});
