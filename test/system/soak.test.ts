import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from './harness/gate.js';
import { Recorder } from './harness/http.js';
import { eachLimited, Ledger, reconcile } from './harness/ledger.js';
import { DEFAULT_MIX, runLoad } from './harness/load.js';
import { SlowLoris } from './harness/raw.js';
import { uniqueMp4 } from './harness/media.js';
import { sleep } from './harness/service-process.js';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';

const USERS = Number(process.env.SYSTEM_SOAK_USERS ?? 50);
const SECONDS = Number(process.env.SYSTEM_SOAK_SECONDS ?? 120);
const WARMUP_SECONDS = Math.max(10, Math.round(SECONDS * 0.2));
const MB = 1024 * 1024;

const skip = mysqlSkipReason('test/system/soak.test.ts');

describe.skipIf(Boolean(skip))('system: soak through the web port', () => {
  let db: TestDatabase;
  let site: Site;
  const recorder = new Recorder();
  const ledger = new Ledger();
  let warmRss: Record<string, number> = {};
  let slow: SlowLoris | undefined;
  let slowLeft: { all: number; stalledBodies: number } | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    // Each simulated user writes many times a second, far above a person's per-user limits.
    site = await Site.create({ databaseUrl: db.url, env: { COMMENT_RATE_LIMIT: '1000000', VIDEO_CREATE_RATE_LIMIT: '1000000' } });
    await site.start();
  }, 180_000);

  afterAll(async () => {
    slow?.destroy();
    await site?.stop();
    await db?.drop();
  }, 60_000);

  it(
    `${USERS} users for ${SECONDS} s: no 5xx, every acknowledged upload and comment kept, every delete purged`,
    async () => {
      const users = Array.from({ length: USERS }, (_, i) => SiteUser.fresh(site.web, `soak${i}`, recorder));
      ledger.users.push(...users);
      // Everyone signs up and puts a couple of videos up first, so there is always something to watch.
      await eachLimited(users, 10, async (u) => {
        await u.mustSignup();
        for (let i = 0; i < 2; i++) {
          const v = ledger.addVideo((await u.mustCreateVideo()).id, u);
          const bytes = uniqueMp4();
          await u.mustUpload(v.id, bytes);
          v.acked = bytes;
        }
      });

      // Slow-loris connections trickle headers into every service for the whole soak.
      slow = new SlowLoris(Object.values(site.services).map((s) => s.port), 15);
      // And uploads that stop after their first bytes: each holds a stream slot until a timeout drops it.
      // Their owner takes no part in the load: their six stalled uploads hold all of their own upload
      // slots (upload_max_per_user), so their next upload would rightly be refused.
      const staller = SiteUser.fresh(site.web, 'staller', recorder);
      await staller.mustSignup();
      ledger.users.push(staller);
      const stalledVideo = ledger.addVideo((await staller.mustCreateVideo('stalled')).id, staller);
      const stalledHead =
        `POST /upload/${stalledVideo.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${staller.cookie}\r\n` +
        `Content-Type: multipart/form-data; boundary=stall\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n` +
        `--stall\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
      const stalledBody = Buffer.concat([Buffer.from(stalledHead), uniqueMp4(4096)]);
      slow.stallBodies(site.services.streamserver.port, stalledBody, 3);
      slow.stallBodies(site.services.web.port, stalledBody, 3);

      const warmStart = Date.now();
      await runLoad({ users, ledger, recorder, deadline: warmStart + WARMUP_SECONDS * 1000, pauseMs: 40, strict: true });
      await sleep(1000);
      warmRss = site.rss();

      const started = Date.now();
      const totalBefore = recorder.total;
      await runLoad({ users, ledger, recorder, deadline: started + (SECONDS - WARMUP_SECONDS) * 1000, pauseMs: 40, strict: true });
      const elapsed = (Date.now() - warmStart) / 1000;

      const rows = recorder.summary(elapsed);
      const table = [
        `| request | count | share | p50 ms | p99 ms | statuses |`,
        `| --- | ---: | ---: | ---: | ---: | --- |`,
        ...rows.map((r) => `| ${r.label} | ${r.count} | ${r.share} | ${r.p50} | ${r.p99} | ${r.statuses} |`),
      ].join('\n');
      const report = [
        `soak: ${USERS} users, ${elapsed.toFixed(0)} s of load (${WARMUP_SECONDS} s warm-up), ` +
          `${recorder.total} requests (${recorder.total - totalBefore} after warm-up), ` +
          `${(recorder.total / elapsed).toFixed(0)} req/s, p99 ${rows.at(-1)!.p99} ms`,
        `mix weights: ${JSON.stringify(DEFAULT_MIX)}`,
        `videos: ${ledger.videos.size} created, ${[...ledger.videos.values()].filter((v) => v.deleted).length} deleted; ` +
          `comments: ${ledger.comments.size} posted, ${[...ledger.comments.values()].filter((c) => c.deleted).length} deleted`,
        table,
      ].join('\n');
      console.log(report);
      writeFileSync(path.join(os.tmpdir(), 'video-system-soak.md'), `${report}\n`);

      // The slow clients must have been dropped by the servers by now (checked in the next test);
      // whatever is still open is dropped here, so its temporary file cannot count against the reconciliation.
      const slowDeadline = slow.started + 100_000;
      while (slow.open > 0 && Date.now() < slowDeadline) await sleep(500);
      slowLeft = { all: slow.open, stalledBodies: slow.openStalledBodies };
      slow.destroy();
      await sleep(1500);

      const problems = await reconcile(site, ledger, users[0]!);
      expect(recorder.serverErrors, 'responses with a 5xx').toEqual([]);
      expect(recorder.networkErrors, 'requests that got no answer').toEqual([]);
      expect(recorder.unexpected, 'answers the contract does not allow here').toEqual([]);
      expect(problems, `reconciliation\n${site.logTails()}`).toEqual([]);
      expect(site.unexpectedExits()).toEqual([]);
      // The load really ran: every kind of request happened, deletes included.
      for (const label of ['upload', 'stream range', 'post comment', 'delete comment', 'delete video', 'signin']) {
        expect(recorder.byLabel.get(label)?.ms.length ?? 0, label).toBeGreaterThan(0);
      }
    },
    SECONDS * 1000 + 240_000,
  );

  it('slow-loris connections and stalled uploads opened before the soak were all closed by server timeouts', async () => {
    // Node closes a connection whose headers are incomplete after headersTimeout (60 s), checked every 30 s.
    expect(slowLeft, 'the soak must have run').toBeDefined();
    expect(slowLeft!.stalledBodies, 'uploads stalled mid-body still holding their connection 100 s later').toBe(0);
    expect(slowLeft!.all - slowLeft!.stalledBodies, 'header-trickling connections still open 100 s after they started').toBe(0);
    expect(site.unexpectedExits()).toEqual([]);
  });

  it('memory: every service after the soak is within 50 MB of its RSS after warm-up', async () => {
    expect(Object.keys(warmRss), 'the soak must have run').toHaveLength(4);
    await sleep(2000);
    const after = site.rss();
    const lines = Object.entries(after).map(
      ([name, rss]) => `${name}: warm ${(warmRss[name]! / MB).toFixed(1)} MB -> after ${(rss / MB).toFixed(1)} MB`,
    );
    console.log(`RSS\n${lines.join('\n')}`);
    for (const [name, rss] of Object.entries(after)) {
      expect(rss - warmRss[name]!, `${name} RSS growth (${lines.join('; ')})`).toBeLessThan(50 * MB);
    }
  });
});
