// deploy.sh's failure paths, against stand-in services (tiny HTTP servers behind the same entry
// layout buildprod.sh writes), so that each case is fast and certain: a service that dies at
// start, one that never gets healthy, one that ignores SIGTERM, a busy port, no build at all.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, processesMentioning, SERVICES, alive, deployEnv, run, sparePorts, type Service } from './helper.js';

const FAKE_SERVICE = `
import http from 'node:http';
const name = process.argv[2];
const port = Number(process.env[{ api: 'API_PORT', streamserver: 'STREAM_PORT', scheduler: 'SCHEDULER_PORT', web: 'WEB_PORT' }[name]]);
if (process.env.FAKE_FAIL === name) {
  console.error(name + ': boom, cannot open the database');
  process.exit(1);
}
const server = http.createServer((req, res) => {
  res.statusCode = process.env.FAKE_UNHEALTHY === name ? 503 : 200;
  res.end('{"status":"ok"}');
});
server.listen(port, '127.0.0.1', () => console.log(name + ' listening on ' + port));
process.on('SIGTERM', () => {
  if (process.env.FAKE_STUBBORN === name) return console.log(name + ' ignores SIGTERM');
  server.close(() => process.exit(0));
});
`;

/** A stand-in for bin/: the same entry contract as buildprod.sh's (write $PID_FILE, exec node). */
function fakeBin(dir: string): void {
  mkdirSync(path.join(dir, 'lib'), { recursive: true });
  writeFileSync(path.join(dir, 'conf.json'), '{}\n');
  for (const svc of SERVICES) {
    writeFileSync(path.join(dir, 'lib', `${svc}.mjs`), FAKE_SERVICE);
    const entry = path.join(dir, svc);
    writeFileSync(
      entry,
      `#!/usr/bin/env bash\nset -euo pipefail\nhere="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"\n` +
        `if [[ -n "\${PID_FILE:-}" ]]; then echo "$$" >"$PID_FILE"; fi\nexec node "$here/lib/${svc}.mjs" ${svc}\n`,
    );
    chmodSync(entry, 0o755);
  }
}

describe('deploy.sh', () => {
  let tmp: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<Service, number>;
  const deploy = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run(path.join(ROOT, 'deploy.sh'), args, { env: { ...env, ...extra }, timeoutMs: 60_000 });
  const livePids = () =>
    SERVICES.flatMap((svc) => {
      try {
        const pid = Number(readFileSync(path.join(bin, 'run', `${svc}.pid`), 'utf8'));
        return alive(pid) ? [pid] : [];
      } catch {
        return [];
      }
    });

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'video-deploy-script-'));
    bin = path.join(tmp, 'bin');
    fakeBin(bin);
    const [api, streamserver, scheduler, web] = await sparePorts(4);
    ports = { api, streamserver, scheduler, web };
    env = deployEnv(ports, path.join(tmp, 'data'), bin);
  });

  afterEach(async () => {
    await deploy(['stop'], { STOP_TIMEOUT: '1' });
    expect(processesMentioning(bin)).toEqual([]);
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ['deploy.sh', /^usage: \.\/deploy\.sh start\|stop\|restart\|status\|logs/],
    ['build.sh', /^usage: \.\/build\.sh/],
    ['buildprod.sh', /^usage: \.\/buildprod\.sh/],
  ])('%s --help explains itself', async (script, usage) => {
    const res = await run(path.join(ROOT, script), ['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(usage);
    const bad = await run(path.join(ROOT, script), ['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'--bogus'");
  });

  it('start without a build says to run buildprod.sh', async () => {
    const res = await deploy(['start'], { BIN_DIR: path.join(tmp, 'nothing-here') });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('run ./buildprod.sh first');
  });

  it('starts and stops the stand-ins (the harness itself works)', async () => {
    const res = await deploy(['start']);
    expect(res.code, res.stderr).toBe(0);
    expect(livePids()).toHaveLength(4);
    const stop = await deploy(['stop']);
    expect(stop.code).toBe(0);
    expect(livePids()).toEqual([]);
  });

  it('names the service that dies at start, shows the end of its log, and stops the others', async () => {
    const res = await deploy(['start'], { FAKE_FAIL: 'scheduler' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('FAILED: scheduler exited during start');
    expect(res.stderr).toContain('scheduler: boom, cannot open the database');
    expect(res.stderr).toContain('scheduler did not come up');
    expect(livePids()).toEqual([]);
  });

  it('names the service whose /healthz never answers 200 within START_TIMEOUT', async () => {
    const res = await deploy(['start'], { FAKE_UNHEALTHY: 'web', START_TIMEOUT: '3' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`FAILED: web did not answer /healthz on port ${ports.web} within 3s`);
    expect(res.stderr).toContain('web listening on');
    expect(livePids()).toEqual([]);
  });

  it('refuses to start when a port is taken by another process', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(ports.streamserver, '127.0.0.1', () => r()));
    try {
      const res = await deploy(['start']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`port ${ports.streamserver} for streamserver is already in use`);
      expect(livePids()).toEqual([]);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('stop sends SIGKILL to a service that ignores SIGTERM for STOP_TIMEOUT seconds', async () => {
    const start = await deploy(['start'], { FAKE_STUBBORN: 'api' });
    expect(start.code, start.stderr).toBe(0);
    const apiPid = Number(readFileSync(path.join(bin, 'run', 'api.pid'), 'utf8'));
    const res = await deploy(['stop'], { STOP_TIMEOUT: '1' });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('api: did not stop within 1s; sending SIGKILL');
    expect(res.stdout).toMatch(/web: stopped \(pid \d+\)/);
    expect(alive(apiPid)).toBe(false);
    expect(livePids()).toEqual([]);
  });

  it('status exits 3 and logs explains itself when nothing has run', async () => {
    const status = await deploy(['status']);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/^api\s+stopped/m);
    const logs = await deploy(['logs', 'nosuch']);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toContain("unknown argument 'nosuch'");
  });
});
