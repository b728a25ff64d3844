import net from 'node:net';
import { randomInt } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from './harness/gate.js';
import { call, multipartBody, Recorder } from './harness/http.js';
import { rawRequest, twoOnOneConnection } from './harness/raw.js';
import { Ledger, reconcile } from './harness/ledger.js';
import { runLoad } from './harness/load.js';
import { bigMp4, sha256, uniqueMp4 } from './harness/media.js';
import { sleep, type ServiceName } from './harness/service-process.js';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';

const skip = mysqlSkipReason('test/system/crashes.test.ts');

/** Starts an upload that sends its headers and half its body, then waits: the crash comes mid-upload. */
function halfUpload(port: number, videoId: string, cookie: string, file: Buffer): net.Socket {
  const boundary = 'crashboundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + file.length + tail.length;
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    socket.write(
      `POST /upload/${videoId} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${cookie}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n\r\n`,
    );
    socket.write(head);
    socket.write(file.subarray(0, Math.floor(file.length / 2)));
  });
  return socket;
}

describe.skipIf(Boolean(skip))('system: SIGKILL each service mid-load, then restart it', () => {
  let db: TestDatabase;
  let site: Site;
  const ledger = new Ledger();
  const recorder = new Recorder();
  let users: SiteUser[] = [];
  let stopLoad = false;
  let loadDone: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    site = await Site.create({ databaseUrl: db.url });
    await site.start();
  }, 180_000);

  afterAll(async () => {
    stopLoad = true;
    await loadDone.catch(() => undefined);
    await site?.stop();
    await db?.drop();
  }, 60_000);

  async function sessionsAlive(label: string): Promise<void> {
    for (const u of users) {
      let res;
      try {
        res = await u.req('get user', 'GET', `/api/user/${u.name}`, { timeoutMs: 10_000 });
      } catch (err) {
        // Say which hop hangs: the api itself, or the web's proxy in front of it.
        const direct = await call('GET', `${site.api}/user/${u.name}`, { headers: { 'x-session-id': u.cookie }, timeoutMs: 10_000 }).then(
          (r) => `${r.status}`,
          (e: Error) => e.message,
        );
        const fresh = await rawRequest(
          site.services.web.port,
          `GET /api/user/${u.name} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${u.cookie}\r\nConnection: close\r\n\r\n`,
          { timeoutMs: 10_000 },
        );
        throw new Error(
          `${label}: ${(err as Error).message}; the api directly: ${direct}; the web on a new connection: ` +
            `${fresh.status} in ${Math.round(fresh.ms)} ms\n${site.logTails()}`,
        );
      }
      expect(res.status, `${label}: ${u.name}'s session`).toBe(200);
    }
  }

  it('loses no acknowledged data, shows no half-written video, loses no purge, keeps sessions', async () => {
    users = await Promise.all(Array.from({ length: 10 }, (_, i) => SiteUser.fresh(site.web, `crash${i}`, recorder).mustSignup()));
    ledger.users.push(...users);
    for (const u of users) {
      for (let i = 0; i < 3; i++) {
        const v = ledger.addVideo((await u.mustCreateVideo()).id, u);
        const bytes = uniqueMp4();
        await u.mustUpload(v.id, bytes);
        v.acked = bytes;
      }
    }
    loadDone = runLoad({
      users,
      ledger,
      recorder,
      deadline: Date.now() + 150_000,
      pauseMs: 30,
      // Uploads of up to 3 MB, so some are in flight whenever a service dies.
      uploadExtraBytes: () => randomInt(1024, 3 * 1024 * 1024),
      stopped: () => stopLoad,
    });

    const order: ServiceName[] = ['api', 'streamserver', 'scheduler', 'web'];
    for (const name of order) {
      await sleep(2000);
      let halfReplace: { socket: net.Socket; id: string; before: Buffer } | undefined;
      let halfFirst: { socket: net.Socket; id: string } | undefined;
      let purgeBatch: string[] = [];
      if (name === 'streamserver') {
        // One upload replacing a stored video and one first upload, both cut off by the crash.
        const owner = users[0]!;
        const stored = ledger.readable().find((v) => v.owner === owner)!;
        stored.uploading = true;
        halfReplace = { socket: halfUpload(site.services.streamserver.port, stored.id, owner.cookie, bigMp4(8 * 1024 * 1024)), id: stored.id, before: stored.acked! };
        const fresh = ledger.addVideo((await owner.mustCreateVideo('cut off')).id, owner);
        fresh.uploading = true;
        halfFirst = { socket: halfUpload(site.services.streamserver.port, fresh.id, owner.cookie, bigMp4(8 * 1024 * 1024)), id: fresh.id };
        await sleep(700);
      }
      if (name === 'scheduler') {
        // A batch of deletions whose purge is pending or running when the scheduler dies.
        const owner = await SiteUser.fresh(site.web, 'purge').mustSignup();
        for (let i = 0; i < 12; i++) {
          const v = ledger.addVideo((await owner.mustCreateVideo()).id, owner);
          const bytes = uniqueMp4();
          await owner.mustUpload(v.id, bytes);
          v.acked = bytes;
          purgeBatch.push(v.id);
        }
        for (const id of purgeBatch) {
          const v = ledger.videos.get(id)!;
          v.deleteStarted = true;
          expect((await owner.deleteVideo(id)).status).toBe(204);
          v.deleted = true;
        }
      }

      const killedAt = Date.now();
      await site.services[name].kill('SIGKILL');
      await sleep(1000);
      if (name === 'streamserver') {
        // An upload refused because the stream server is gone must not wedge the browser's
        // keep-alive connection: the next request on it gets an answer (or the web closes it).
        const owner = users[1]!;
        const { body, contentType } = multipartBody(uniqueMp4(3 * 1024 * 1024));
        const target = ledger.readable().find((v) => v.owner === owner)!;
        const upload = Buffer.concat([
          Buffer.from(`POST /upload/${target.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${owner.cookie}\r\n` +
            `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`),
          body,
        ]);
        const next = `GET /api/user/${owner.name} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${owner.cookie}\r\n\r\n`;
        const answers = await twoOnOneConnection(site.services.web.port, upload, next);
        expect(answers.first, 'upload while the stream server is down').toMatch(/ 503 /);
        expect(answers.second, 'the next request on the same keep-alive connection').not.toBe('');
      }
      await site.services[name].start();
      console.log(`${name}: killed with SIGKILL and healthy again after ${Date.now() - killedAt} ms`);

      if (halfReplace && halfFirst) {
        halfReplace.socket.destroy();
        halfFirst.socket.destroy();
        await sleep(300);
        const replaced = await call('GET', `${site.stream}/videos/${halfReplace.id}`);
        expect(replaced.status, 'a replacement cut off by a crash keeps the old file').toBe(200);
        expect(sha256(replaced.body)).toBe(sha256(halfReplace.before));
        ledger.videos.get(halfReplace.id)!.uploading = false;
        const first = await call('GET', `${site.stream}/videos/${halfFirst.id}`);
        expect(first.status, 'a first upload cut off by a crash is not visible').toBe(404);
        ledger.videos.get(halfFirst.id)!.uploading = false;
      }
      await sessionsAlive(`after restarting ${name}`);
      purgeBatch = [];
    }

    await sleep(3000);
    stopLoad = true;
    await loadDone;

    const leftovers: string[] = [];
    const problems = await reconcile(site, ledger, users[0]!, { crashLeftovers: leftovers });
    expect(problems, site.logTails()).toEqual([]);
    await sessionsAlive('at the end');
    // Failures while a service was down are fine; an internal error (500) never is.
    const internal = recorder.serverErrors.filter((e) => / -> 500 /.test(e));
    expect(internal).toEqual([]);
    console.log(`crash load: ${recorder.total} requests; 5xx seen while services were down: ${recorder.serverErrors.length}; ` +
      `no answer: ${recorder.networkErrors.length}; temporary files of killed uploads left for the start-up sweep: ${leftovers.length}`);
    expect(site.unexpectedExits(), site.logTails()).toEqual([]);
    for (const name of order) expect(site.services[name].starts).toBe(2);
  }, 300_000);
});
