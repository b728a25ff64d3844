import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@video/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSkipReason } from './harness/gate.js';
import { bigMp4, sha256 } from './harness/media.js';
import { twoOnOneConnection } from './harness/raw.js';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';

const run = promisify(execFile);
const skip = mysqlSkipReason('test/system/web-edge.test.ts');

describe.skipIf(Boolean(skip))('system: the web at the edge, with the real services', () => {
  let db: TestDatabase;
  let site: Site;
  let owner: SiteUser;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    site = await Site.create({ databaseUrl: db.url });
    await site.start();
    owner = await SiteUser.fresh(site.web, 'edge').mustSignup();
    dir = mkdtempSync(path.join(os.tmpdir(), 'web-edge-sys-'));
  }, 180_000);
  afterAll(async () => {
    await site?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('curl -F with a file over 1 MiB and X-Session-Id uploads through the web (Expect: 100-continue)', async () => {
    const video = await owner.mustCreateVideo('curl upload');
    const file = bigMp4(3 * 1024 * 1024);
    const where = path.join(dir, 'clip.mp4');
    writeFileSync(where, file);
    const { stdout, stderr } = await run('curl', [
      '-sS', '-v', '--max-time', '60', '-o', '/dev/null', '-w', '%{http_code}',
      '-F', `file=@${where};type=video/mp4`, '-H', `X-Session-Id: ${owner.cookie}`, `${site.web}/upload/${video.id}`,
    ]);
    expect(stderr).toMatch(/> Expect: 100-continue/);
    expect(stdout.trim()).toMatch(/^20[01]$/);
    const back = await fetch(`${site.web}/videos/${video.id}`);
    expect(back.status).toBe(200);
    expect(sha256(Buffer.from(await back.arrayBuffer()))).toBe(sha256(file));
  }, 90_000);

  it('2 MB of JSON to POST /api/user and to comments is the api’s 413 009, and the connection stays usable', async () => {
    const video = await owner.mustCreateVideo('big comment');
    const big = JSON.stringify({ user_name: 'x', pwd: 'y'.repeat(2_000_000) });
    const port = Number(new URL(site.web).port);
    for (const url of ['/api/user', `/api/videos/${video.id}/comments`]) {
      const answers = await twoOnOneConnection(
        port,
        Buffer.from(`POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Session-Id: ${owner.cookie}\r\nContent-Length: ${Buffer.byteLength(big)}\r\n\r\n${big}`),
        'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      );
      expect(answers, url).toEqual({ first: 'HTTP/1.1 413 Payload Too Large', second: 'HTTP/1.1 200 OK' });
    }
    const res = await fetch(`${site.web}/api/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_code: '009' });
  }, 60_000);

  it('the api’s metrics are not on the public port, but on the api’s own', async () => {
    expect((await fetch(`${site.web}/api/metrics`)).status).toBe(404);
    expect((await fetch(`${site.web}/metrics`)).status).toBe(404);
    expect((await fetch(`${site.api}/metrics`)).status).not.toBe(404);
  });
});
