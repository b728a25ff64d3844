// `npm start` (scripts/start.ts) for real on spare ports with a temporary SQLite database and no
// internal_token configured: the launcher makes one token file that every service reads, and the
// scheduler answers only requests carrying it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sparePorts, waitFor } from './helper.js';

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** The environment without config keys a developer's shell may carry, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^([A-Z_]+_(PORT|URL|HOST|TOKEN|DIR)|HOST|CONFIG|LOG_LEVEL|LOG_PRETTY|NODE_OPTIONS|VITEST.*|INTERNAL_TOKEN)$/.test(k)) env[k] = v;
  }
  return { ...env, LOG_PRETTY: '0', ...extra };
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const done = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  if (!done) p.child.kill('SIGKILL');
}

const deleteRecord = (base: string, id: string, method: 'GET' | 'POST', token?: string) =>
  fetch(`${base}/video-delete-record/${id}`, { method, headers: token === undefined ? {} : { 'x-internal-token': token } });

describe('npm start with no internal_token configured', () => {
  let tmp: string;
  let launcher: Proc;
  let ports: number[];

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'video-start-'));
    ports = await sparePorts(4);
    const [api, stream, scheduler, web] = ports;
    writeFileSync(
      path.join(tmp, 'conf.json'),
      JSON.stringify({
        api_port: api, stream_port: stream, scheduler_port: scheduler, web_port: web, web_metrics_port: 0,
        api_url: `http://127.0.0.1:${api}`, stream_url: `http://127.0.0.1:${stream}`, scheduler_url: `http://127.0.0.1:${scheduler}`,
        database_url: 'sqlite:./video.db', video_dir: './videos', data_dir: './data', internal_token: '',
        bcrypt_cost: 4, log_level: 'info', scheduler_interval_seconds: 1,
      }),
    );
    launcher = launch(['scripts/start.ts'], cleanEnv({ CONFIG: path.join(tmp, 'conf.json') }));
    const up = await waitFor(() => launcher.output().includes('The site is up') || launcher.child.exitCode !== null, 90_000);
    expect(up && launcher.output().includes('The site is up'), launcher.output()).toBe(true);
    // One line says whether a build or the sources run (start-choice.test.ts covers the choice).
    expect(launcher.output()).toMatch(/^running (the build in (dist|bin)\/|the sources through tsx): /m);
  }, 120_000);

  afterAll(async () => {
    if (launcher) await stop(launcher);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('logs neither the launcher\'s /healthz checks nor idle scheduler runs at info', async () => {
    // A few scheduler intervals pass with nothing to do.
    await new Promise((r) => setTimeout(r, 2_500));
    const lines = launcher.output().split('\n');
    expect(lines.filter((l) => l.includes('/healthz'))).toEqual([]);
    expect(lines.filter((l) => l.includes('purge run finished'))).toEqual([]);
    for (const l of lines.filter((x) => x.includes('"job"'))) expect(l.match(/"job":/g), l).toHaveLength(1);
  });

  it('makes one token in data_dir/internal-token; the scheduler refuses requests without it and accepts it', async () => {
    const file = path.join(tmp, 'data', 'internal-token');
    expect(existsSync(file)).toBe(true);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const scheduler = `http://127.0.0.1:${ports[2]}`;
    for (const method of ['GET', 'POST'] as const) {
      for (const given of [undefined, '', 'wrong']) {
        const res = await deleteRecord(scheduler, 'probe', method, given);
        expect(res.status, `${method} with ${given}`).toBe(401);
        expect(await res.json()).toMatchObject({ error_code: '002' });
      }
    }
    const ok = await deleteRecord(scheduler, 'probe', 'POST', token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ success: true });
  });
});

describe('two schedulers started at once on one data_dir', () => {
  let tmp: string;
  const procs: Proc[] = [];

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'video-token-'));
  });
  afterAll(async () => {
    await Promise.all(procs.map(stop));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('agree on one generated token', async () => {
    const ports = await sparePorts(2);
    writeFileSync(path.join(tmp, 'conf.json'), '{}\n');
    for (const port of ports) {
      procs.push(
        launch(
          ['services/scheduler/src/main.ts'],
          cleanEnv({
            CONFIG: path.join(tmp, 'conf.json'),
            SCHEDULER_PORT: String(port),
            DATABASE_URL: `sqlite:${path.join(tmp, 'video.db')}`,
            VIDEO_DIR: path.join(tmp, 'videos'),
            DATA_DIR: path.join(tmp, 'data'),
            LOG_LEVEL: 'warn',
          }),
        ),
      );
    }
    const bases = ports.map((p) => `http://127.0.0.1:${p}`);
    const up = await waitFor(
      async () => (await Promise.all(bases.map((b) => fetch(`${b}/healthz`).then((r) => r.ok, () => false)))).every(Boolean),
      60_000,
    );
    expect(up, procs.map((p) => p.output()).join('\n')).toBe(true);
    const token = readFileSync(path.join(tmp, 'data', 'internal-token'), 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    for (const base of bases) {
      expect((await deleteRecord(base, 'x1', 'POST')).status).toBe(401);
      expect((await deleteRecord(base, 'x1', 'POST', token)).status).toBe(200);
    }
  }, 90_000);
});
