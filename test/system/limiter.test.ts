import { createTestDatabase, type TestDatabase } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from './harness/gate.js';
import { fileVideoId } from './harness/ledger.js';
import { bigMp4, sha256, uniqueMp4 } from './harness/media.js';
import { getRequest, StalledRequest } from './harness/raw.js';
import { sleep } from './harness/service-process.js';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';

const LIMIT = 4;
const CLIENTS = LIMIT * 10;
/** Big enough that a client reading nothing keeps its download in flight (loopback buffers hold a few MB). */
const BIG = 48 * 1024 * 1024;

const skip = mysqlSkipReason('test/system/limiter.test.ts');

describe.skipIf(Boolean(skip))(`system: stream limiter (stream_max_connections=${LIMIT})`, () => {
  let db: TestDatabase;
  let site: Site;
  let owner: SiteUser;
  let bigId = '';
  let smallId = '';
  let small: Buffer;
  const open: StalledRequest[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    site = await Site.create({ databaseUrl: db.url, env: { STREAM_MAX_CONNECTIONS: String(LIMIT) } });
    await site.start();
    owner = await SiteUser.fresh(site.web, 'limiter').mustSignup();
    bigId = (await owner.mustCreateVideo('big')).id;
    await owner.mustUpload(bigId, bigMp4(BIG));
    smallId = (await owner.mustCreateVideo('small')).id;
    small = uniqueMp4(1000);
    await owner.mustUpload(smallId, small);
  }, 180_000);

  afterAll(async () => {
    for (const s of open) s.socket.destroy();
    await site?.stop();
    await db?.drop();
  }, 60_000);

  const stall = (port = site.services.streamserver.port, path = `/videos/${bigId}`) => {
    const s = new StalledRequest(port, getRequest(path));
    open.push(s);
    return s;
  };

  /** Holds exactly LIMIT slots with stalled downloads and proves the next request is refused at once. */
  async function expectExactCapacity(label: string): Promise<StalledRequest[]> {
    const held: StalledRequest[] = [];
    for (let i = 0; i < LIMIT; i++) {
      // A freed slot may take a moment to come back after an abort; retry briefly, never forever.
      let ok = false;
      for (let attempt = 0; attempt < 40 && !ok; attempt++) {
        const s = stall();
        const { status } = await s.status;
        if (status === 200) {
          held.push(s);
          ok = true;
        } else {
          await s.abort();
          await sleep(100);
        }
      }
      expect(ok, `${label}: slot ${i + 1} of ${LIMIT} never came back`).toBe(true);
    }
    const extra = stall();
    const { status, ms, head } = await extra.status;
    expect(status, `${label}: request over the limit`).toBe(429);
    expect(ms, `${label}: 429 must come at once`).toBeLessThan(2000);
    expect(head).toMatch(/\r\nretry-after:\s*\d+/i);
    await extra.abort();
    return held;
  }

  it(`${CLIENTS} concurrent clients: ${LIMIT} are served, the rest get 429 008 at once`, async () => {
    const clients = Array.from({ length: CLIENTS }, () => stall());
    const results = await Promise.all(clients.map((c) => c.status));
    const served = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(served.length, JSON.stringify(results.map((r) => r.status))).toBe(LIMIT);
    expect(refused.length).toBe(CLIENTS - LIMIT);
    for (const r of refused) {
      expect(r.ms).toBeLessThan(2000);
      expect(r.head).toMatch(/\r\nretry-after:\s*\d+/i);
    }
    // The refusals carry the contract's error body.
    const body = await fetch(`${site.stream}/videos/${smallId}`);
    expect(body.status).toBe(429);
    expect(await body.json()).toMatchObject({ error_code: '008' });

    // Some viewers skip away mid-stream: their slots go to new viewers, and no more than that.
    const servedClients = clients.filter((_, i) => results[i]!.status === 200);
    await servedClients[0]!.abort(256 * 1024);
    await servedClients[1]!.abort(64 * 1024);
    for (let i = 0; i < 2; i++) {
      let got = 0;
      for (let attempt = 0; attempt < 40 && got !== 200; attempt++) {
        const s = stall();
        got = (await s.status).status;
        if (got !== 200) {
          await s.abort();
          await sleep(100);
        }
      }
      expect(got, 'a slot freed by an abort is reused').toBe(200);
    }
    const over = stall();
    expect((await over.status).status).toBe(429);
    for (const c of [...clients, ...open]) await c.abort();
  }, 120_000);

  it('aborts at every stage leak nothing: full capacity is back after many rounds', async () => {
    for (let round = 0; round < 8; round++) {
      const held = await expectExactCapacity(`round ${round}`);
      // Drop them at different points: right away, mid-body, after a good part of the body.
      await Promise.all(held.map((s, i) => s.abort([0, 1, 128 * 1024, 2 * 1024 * 1024][i % 4])));
      // Clients that hang up before the answer arrives, and before the request is complete.
      const early = Array.from({ length: LIMIT }, () => stall());
      await sleep(5);
      for (const e of early) e.socket.destroy();
    }
    const held = await expectExactCapacity('after the rounds');
    for (const s of held) await s.abort();

    // Normal viewing works at full capacity: LIMIT whole downloads at once, byte for byte.
    await sleep(300);
    const downloads = await Promise.all(
      Array.from({ length: LIMIT }, () => fetch(`${site.stream}/videos/${smallId}`).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) }))),
    );
    for (const d of downloads) {
      expect(d.status).toBe(200);
      expect(sha256(d.body)).toBe(sha256(small));
    }
  }, 180_000);

  it('an upload stalled mid-body holds a slot, and gives it back when its client goes away', async () => {
    const boundary = 'limiterboundary';
    const head =
      `POST /upload/${smallId} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${owner.cookie}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
    const uploads = Array.from({ length: LIMIT }, () => {
      const s = new StalledRequest(site.services.streamserver.port, Buffer.concat([Buffer.from(head), uniqueMp4(2000)]), 1500);
      open.push(s);
      return s;
    });
    await sleep(500);
    const over = stall();
    expect((await over.status).status, 'uploads in flight count against the limit').toBe(429);
    await over.abort();
    for (const u of uploads) await u.abort();
    const held = await expectExactCapacity('after aborted uploads');
    for (const s of held) await s.abort();
    // The aborted uploads left the stored video as it was and no litter behind.
    await sleep(500);
    const res = await fetch(`${site.stream}/videos/${smallId}`);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(small));
    const files = site.videoFiles();
    expect(files.map((f) => fileVideoId(f.rel)).sort(), JSON.stringify(files)).toEqual([bigId, smallId].sort());
  }, 120_000);

  it('through the web proxy the limit holds too, and the 429 keeps its shape', async () => {
    const held = await expectExactCapacity('direct');
    const res = await fetch(`${site.web}/videos/${smallId}`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error_code: '008' });
    for (const s of held) await s.abort();
    const again = await expectExactCapacity('after the proxy round');
    for (const s of again) await s.abort();
    expect(site.unexpectedExits()).toEqual([]);
  }, 120_000);
});
