import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbSkipReason } from './harness/gate.js';
import { call, isContractError, multipartBody, Recorder, type Res } from './harness/http.js';
import { fileVideoId, Ledger, reconcile } from './harness/ledger.js';
import { runLoad } from './harness/load.js';
import { sha256, uniqueMp4 } from './harness/media.js';
import { PrivateMariaDb } from './harness/private-mariadb.js';
import { sleep } from './harness/service-process.js';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';

/** "Quickly": an answer during the outage may take the driver's connect timeout, never a hang. */
const QUICK_MS = 5000;
const OUTAGE_MS = 8000;

const skip = mariadbSkipReason('test/system/db-outage.test.ts');

describe.skipIf(Boolean(skip))('system: database outage (a private MariaDB stopped and restarted)', () => {
  let mariadb: PrivateMariaDb;
  let site: Site;
  const ledger = new Ledger();
  const recorder = new Recorder();
  let users: SiteUser[] = [];
  let loadDone: Promise<void> = Promise.resolve();
  let stopLoad = false;

  beforeAll(async () => {
    mariadb = await PrivateMariaDb.create();
    await mariadb.start();
    await mariadb.query('create database video character set utf8mb4 collate utf8mb4_bin');
    site = await Site.create({ databaseUrl: mariadb.url('video') });
    await site.start();
  }, 180_000);

  afterAll(async () => {
    stopLoad = true;
    await loadDone.catch(() => undefined);
    await site?.stop();
    await mariadb?.destroy();
  }, 90_000);

  it('during the outage every request that needs the database gets 503 011 quickly and no service exits', async () => {
    users = await Promise.all(Array.from({ length: 8 }, (_, i) => SiteUser.fresh(site.web, `outage${i}`, recorder).mustSignup()));
    ledger.users.push(...users);
    for (const u of users) {
      for (let i = 0; i < 3; i++) {
        const v = ledger.addVideo((await u.mustCreateVideo()).id, u);
        const bytes = uniqueMp4();
        await u.mustUpload(v.id, bytes);
        v.acked = bytes;
        const c = await u.comment(v.id, `before the outage ${i}`);
        expect(c.status).toBe(201);
        ledger.comments.set(c.json().id, { id: c.json().id, videoId: v.id, author: u, content: `before the outage ${i}`, deleteStarted: false, deleted: false });
      }
    }
    // Background traffic across the whole outage; its answers update the ledger of what was acknowledged.
    loadDone = runLoad({ users, ledger, recorder, deadline: Date.now() + 90_000, pauseMs: 50, stopped: () => stopLoad });
    await sleep(2000);

    const target = ledger.readable()[0]!;
    const owner = target.owner;
    const probes: { label: string; run: () => Promise<Res>; dbRoute: boolean; alsoOk?: number[] }[] = [
      { label: 'api list videos', run: () => call('GET', `${site.api}/user/${owner.name}/videos`), dbRoute: true },
      { label: 'api session check', run: () => call('GET', `${site.api}/user/${owner.name}`, { headers: { 'x-session-id': owner.cookie } }), dbRoute: true },
      { label: 'web proxy create video', run: () => owner.createVideo('during the outage'), dbRoute: true },
      { label: 'web proxy comments', run: () => owner.listComments(target.id), dbRoute: true },
      { label: 'web signin', run: () => new SiteUser(site.web, owner.name, owner.pwd).signin(), dbRoute: true },
      { label: 'web signup', run: () => SiteUser.fresh(site.web, 'during').signup(), dbRoute: true },
      {
        label: 'stream upload',
        run: () => {
          const { body, contentType } = multipartBody(uniqueMp4());
          return call('POST', `${site.stream}/upload/${target.id}`, { body, headers: { 'content-type': contentType, 'x-session-id': owner.cookie } });
        },
        dbRoute: true,
      },
      // A stream may be served from what the server already knows; if it answers 200, the bytes must be right.
      { label: 'stream video', run: () => call('GET', `${site.stream}/videos/${target.id}`), dbRoute: true, alsoOk: [200] },
      {
        label: 'scheduler delete record',
        // The token the services generated into their data_dir (the config file's folder + data/).
        run: () =>
          call('POST', `${site.scheduler}/video-delete-record/no-such-video`, {
            headers: { 'x-internal-token': readFileSync(path.join(site.dir, 'data', 'internal-token'), 'utf8').trim() },
          }),
        dbRoute: true,
      },
      { label: 'api healthz', run: () => call('GET', `${site.api}/healthz`), dbRoute: true },
      { label: 'stream healthz', run: () => call('GET', `${site.stream}/healthz`), dbRoute: true },
      { label: 'scheduler healthz', run: () => call('GET', `${site.scheduler}/healthz`), dbRoute: true },
      { label: 'web home page', run: () => call('GET', `${site.web}/`), dbRoute: false },
    ];

    await mariadb.stop();
    const problems: string[] = [];
    const seen = new Map<string, Record<string, number>>();
    let slowest = 0;
    const outageEnd = Date.now() + OUTAGE_MS;
    for (let round = 0; round < 40 && Date.now() < outageEnd; round++) {
      await Promise.all(
        probes.map(async (p) => {
          const started = performance.now();
          let res: Res;
          try {
            res = await p.run();
          } catch (err) {
            problems.push(`${p.label}: no answer after ${Math.round(performance.now() - started)} ms (${(err as Error).message})`);
            return;
          }
          const ms = performance.now() - started;
          const counts = seen.get(p.label) ?? {};
          counts[res.status] = (counts[res.status] ?? 0) + 1;
          seen.set(p.label, counts);
          slowest = Math.max(slowest, ms);
          if (ms > QUICK_MS) problems.push(`${p.label}: answered after ${Math.round(ms)} ms`);
          if (res.status >= 500 && res.status !== 503) problems.push(`${p.label}: ${res.status} ${res.text().slice(0, 200)}`);
          if (!p.dbRoute) {
            if (res.status >= 500) problems.push(`${p.label} needs no database but answered ${res.status}`);
            return;
          }
          if (p.alsoOk?.includes(res.status)) {
            if (sha256(res.body) !== sha256(target.acked!)) problems.push(`${p.label}: wrong bytes`);
            return;
          }
          if (res.status !== 503 || !isContractError(res, '011')) {
            problems.push(`${p.label}: expected 503 011, got ${res.status} ${res.text().slice(0, 200)}`);
          }
        }),
      );
      await sleep(250);
    }
    console.log(`during the outage (slowest answer ${Math.round(slowest)} ms): ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(problems.slice(0, 30), site.logTails()).toEqual([]);
    expect(seen.size).toBe(probes.length);
    expect(site.unexpectedExits(), site.logTails()).toEqual([]);
    // A refused upload left nothing behind.
    const litter = site.videoFiles().filter((f) => !ledger.videos.has(fileVideoId(f.rel)));
    expect(litter).toEqual([]);
  }, 240_000);

  it('after the restart everything works again without restarting the services, and nothing acknowledged is lost', async () => {
    await mariadb.start();
    const deadline = Date.now() + 30_000;
    let healthy = false;
    while (!healthy && Date.now() < deadline) {
      const states = await Promise.all(
        (['api', 'streamserver', 'scheduler', 'web'] as const).map((n) =>
          call('GET', `${site.services[n].url}/healthz`, { timeoutMs: 5000 }).then((r) => r.status, () => 0),
        ),
      );
      healthy = states.every((s) => s === 200);
      if (!healthy) await sleep(250);
    }
    expect(healthy, 'services recover within 30 s of the database coming back').toBe(true);
    for (const name of ['api', 'streamserver', 'scheduler', 'web'] as const) {
      expect(site.services[name].starts, `${name} was not restarted`).toBe(1);
    }
    // Let the load run a little against the recovered database, then stop it.
    await sleep(4000);
    stopLoad = true;
    await loadDone;

    // The whole journey works on the recovered connections, purge included.
    const fresh = await SiteUser.fresh(site.web, 'after').mustSignup();
    const v = await fresh.mustCreateVideo('after the outage');
    const bytes = uniqueMp4();
    await fresh.mustUpload(v.id, bytes);
    const whole = await fresh.download(v.id);
    expect(sha256(whole.body)).toBe(sha256(bytes));
    const c = await fresh.comment(v.id, 'hello again');
    expect(c.status).toBe(201);
    expect((await fresh.deleteVideo(v.id)).status).toBe(204);
    const entry = ledger.addVideo(v.id, fresh);
    entry.acked = bytes;
    entry.deleteStarted = true;
    entry.deleted = true;

    // Sessions made before the outage still work.
    for (const u of users) expect((await u.listVideos()).status).toBe(200);
    const mine = await users[0]!.req('get user', 'GET', `/api/user/${users[0]!.name}`);
    expect(mine.status).toBe(200);

    const problems = await reconcile(site, ledger, fresh);
    expect(problems, site.logTails()).toEqual([]);
    expect(recorder.serverErrors.filter((e) => !/ -> 503 /.test(e)), 'only 503 during the outage').toEqual([]);
    expect(recorder.networkErrors, 'background requests that got no answer (hangs)').toEqual([]);
    expect(site.unexpectedExits()).toEqual([]);
  }, 240_000);
});
