// The production build and deploy.sh, for real: buildprod.sh into a temporary folder (moved away
// from where it was built, so nothing can lean on the sources), deploy.sh on spare ports with a
// temporary SQLite database, a sign-up, an upload and a download through the web port, /metrics,
// graceful shutdown with a download in flight, status, and a stop that leaves no process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, processesMentioning, SERVICES, alive, deployEnv, run, sparePorts, waitFor, type Service } from './helper.js';
import { parsePrometheusText, sampleSum, type MetricFamily } from './prometheus-text.js';

const VIDEO_BYTES = 48 * 1024 * 1024;

/** A file the stream server accepts as MP4 (an ftyp box), then a deterministic byte pattern. */
function fakeVideo(size: number): Buffer {
  const buf = Buffer.alloc(size);
  const head = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2mp41')]);
  head.copy(buf);
  for (let i = head.length; i < size; i += 4) buf.writeUInt32BE((i * 2654435761) >>> 0, i);
  return buf;
}

const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

describe('buildprod.sh + deploy.sh', () => {
  let tmp: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<Service, number>;
  let spare: number;
  let webMetricsPort: number;
  const url = (svc: Service, p: string) => `http://127.0.0.1:${ports[svc]}${p}`;
  const pids = (): Record<Service, number> =>
    Object.fromEntries(
      SERVICES.map((s) => [s, Number(readFileSync(path.join(bin, 'run', `${s}.pid`), 'utf8').trim())]),
    ) as Record<Service, number>;
  const deploy = (...args: string[]) => run(path.join(ROOT, 'deploy.sh'), args, { env, timeoutMs: 120_000 });
  const metrics = async (svc: Service): Promise<Map<string, MetricFamily>> => {
    // The web's public port serves no /metrics: its own are on web_metrics_port.
    const res = await fetch(svc === 'web' ? `http://127.0.0.1:${webMetricsPort}/metrics` : url(svc, '/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parsePrometheusText(await res.text());
  };

  let cookie = '';
  let videoId = '';
  let video: Buffer;
  let graceful: ChildProcess | undefined;
  let started: Record<Service, number> | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'video-deploy-'));
    const built = path.join(tmp, 'build', 'bin');
    const res = await run(path.join(ROOT, 'buildprod.sh'), ['--no-typecheck', '--out', built], { timeoutMs: 240_000 });
    if (res.code !== 0) throw new Error(`buildprod.sh failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
    // Moved away from the path it was built at: the build must not depend on where it was made.
    mkdirSync(path.join(tmp, 'site'));
    bin = path.join(tmp, 'site', 'bin');
    renameSync(built, bin);
    const [api, streamserver, scheduler, web, extra, webMetrics] = await sparePorts(6);
    ports = { api, streamserver, scheduler, web };
    spare = extra;
    webMetricsPort = webMetrics;
    env = deployEnv(ports, path.join(tmp, 'data'), bin, webMetricsPort);
    video = fakeVideo(VIDEO_BYTES);
  }, 300_000);

  afterAll(async () => {
    graceful?.kill('SIGKILL');
    if (bin && existsSync(path.join(bin, 'run'))) await deploy('stop');
    if (started) for (const pid of Object.values(started)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('builds one runnable entry per service, the templates, conf.json and the external packages', () => {
    for (const svc of SERVICES) {
      expect(existsSync(path.join(bin, svc)), svc).toBe(true);
      expect(existsSync(path.join(bin, 'lib', `${svc}.mjs`)), svc).toBe(true);
    }
    expect(existsSync(path.join(bin, 'templates'))).toBe(true);
    const conf = JSON.parse(readFileSync(path.join(bin, 'conf.json'), 'utf8'));
    expect(conf).toEqual(JSON.parse(readFileSync(path.join(ROOT, 'conf.json'), 'utf8')));
    const pkg = JSON.parse(readFileSync(path.join(bin, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    for (const name of ['bcrypt', 'better-sqlite3']) {
      expect(pkg.dependencies[name], name).toBe(lock.packages[`node_modules/${name}`].version);
      expect(existsSync(path.join(bin, 'node_modules', name, 'package.json')), name).toBe(true);
    }
    // Nothing of the workspace is installed: the bundles carry it.
    expect(existsSync(path.join(bin, 'node_modules', '@video'))).toBe(false);
    expect(existsSync(path.join(bin, 'node_modules', 'fastify'))).toBe(false);
  });

  it('deploy.sh start brings up all four services and each /healthz answers', async () => {
    const res = await deploy('start');
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stdout).toContain('all four services are up');
    started = pids();
    for (const svc of SERVICES) {
      expect(alive(started[svc]), svc).toBe(true);
      const health = await fetch(url(svc, '/healthz'));
      expect(health.status, svc).toBe(200);
      expect(await health.json(), svc).toMatchObject({ status: 'ok' });
      expect(existsSync(path.join(bin, 'logs', `${svc}.log`)), svc).toBe(true);
    }
  });

  it('refuses to start a second copy', async () => {
    const res = await deploy('start');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/api is already running \(pid \d+\)/);
    expect(res.stderr).toContain('not starting a second copy');
    expect(pids()).toEqual(started);
  });

  it('buildprod.sh will not replace a build whose services are running', async () => {
    const res = await run(path.join(ROOT, 'buildprod.sh'), ['--no-typecheck', '--out', bin], { timeoutMs: 60_000 });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/is running from .* run \.\/deploy\.sh stop first/);
    expect(existsSync(path.join(bin, 'lib', 'api.mjs'))).toBe(true);
  });

  it('status shows every pid, port and health', async () => {
    const res = await deploy('status');
    expect(res.code, res.stdout).toBe(0);
    for (const svc of SERVICES) {
      expect(res.stdout).toMatch(new RegExp(`^${svc}\\s+running\\s+${started![svc]}\\s+${ports[svc]}\\s+ok$`, 'm'));
    }
  });

  it('signs up through the web port, then uploads and downloads a video through it', async () => {
    const signup = await fetch(url('web', '/signup'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_name: 'deployer', pwd: 'secret-pass' }),
    });
    expect(signup.status).toBe(201);
    expect(await signup.json()).toEqual({ success: true, user_name: 'deployer' });
    const setCookie = signup.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^session=[^;]+/);
    cookie = setCookie.split(';')[0];

    const created = await fetch(url('web', '/api/user/deployer/videos'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name: 'deploy check' }),
    });
    expect(created.status).toBe(201);
    videoId = ((await created.json()) as { id: string }).id;

    const form = new FormData();
    form.append('file', new Blob([Uint8Array.from(video)], { type: 'video/mp4' }), 'check.mp4');
    const upload = await fetch(url('web', `/upload/${videoId}`), { method: 'POST', headers: { cookie }, body: form });
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({ success: true, id: videoId, size: VIDEO_BYTES });

    const range = await fetch(url('web', `/videos/${videoId}`), { headers: { range: 'bytes=100-199' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(video.subarray(100, 200));
  });

  it('serves the pages from bin/templates and the player from bin/node_modules', async () => {
    const home = await fetch(url('web', '/'));
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    const userhome = await fetch(url('web', '/userhome'), { headers: { cookie } });
    expect(userhome.status).toBe(200);
    expect(await userhome.text()).toContain('deployer');
    const css = await fetch(url('web', '/statics/css/site.css'));
    expect(css.status).toBe(200);
    const player = await fetch(url('web', '/statics/vendor/DPlayer.min.js'));
    expect(player.status).toBe(200);
    expect((await player.text()).length).toBeGreaterThan(10_000);
  });

  it('serves /metrics in Prometheus text format on every service, and the counters move', async () => {
    const before = await metrics('api');
    const healthzLabels = { service: 'api', method: 'GET', route: '/healthz', status: '200' };
    const healthzBefore = sampleSum(before, 'http_requests_total', healthzLabels);
    for (let i = 0; i < 3; i++) expect((await fetch(url('api', '/healthz'))).status).toBe(200);
    const after = await metrics('api');
    expect(sampleSum(after, 'http_requests_total', healthzLabels)).toBe(healthzBefore + 3);
    expect(after.get('http_request_duration_seconds')?.type).toBe('histogram');
    expect(sampleSum(after, 'http_request_duration_seconds_count', healthzLabels)).toBe(healthzBefore + 3);
    expect(sampleSum(after, 'http_requests_total', { service: 'api', method: 'POST', route: '/user', status: '201' })).toBe(1);

    expect((await fetch(url('web', '/metrics'))).status).toBe(404);
    const web = await metrics('web');
    expect(sampleSum(web, 'http_requests_total', { service: 'web', route: '/signup', status: '201' })).toBe(1);
    const stream = await metrics('streamserver');
    expect(sampleSum(stream, 'upload_bytes_total')).toBe(VIDEO_BYTES);
    expect(stream.get('stream_limiter_slots_in_use')?.type).toBe('gauge');
    const scheduler = await metrics('scheduler');
    expect(scheduler.get('scheduler_runs_total')?.type).toBe('counter');

    // Every metric the Grafana dashboard charts is one the services export.
    const exported = new Set<string>();
    for (const families of [after, web, stream, scheduler]) {
      for (const family of families.values()) {
        exported.add(family.name);
        if (family.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(family.name + s);
      }
    }
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy', 'grafana-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\b([a-z][a-z0-9_]*)\s*(?=[{[)]|$)/g)].map((m) => m[1])));
    const metricNames = [...named].filter((n) => /_(total|seconds|bucket|bytes|in_use|connections)$/.test(n));
    expect(metricNames.length).toBeGreaterThan(8);
    for (const name of metricNames) expect(exported.has(name), `dashboard metric ${name}`).toBe(true);
  });

  it('lets a download in flight finish when the stream server gets SIGTERM, then exits 0', async () => {
    const child = spawn(path.join(bin, 'streamserver'), [], {
      env: { ...env, STREAM_PORT: String(spare) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    graceful = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const healthy = await waitFor(
      () => fetch(`http://127.0.0.1:${spare}/healthz`).then((r) => r.ok, () => false),
      30_000,
    );
    expect(healthy, stderr).toBe(true);

    // A keep-alive client, as browsers are, that reads slowly: the response is mid-flight.
    const agent = new http.Agent({ keepAlive: true });
    const chunks: Buffer[] = [];
    let status = 0;
    let resume = () => {};
    let finished: Promise<void> = Promise.resolve();
    const paused = new Promise<void>((resolvePaused, rejectPaused) => {
      const done = new Promise<void>((resolve, reject) => {
        const req = http.get(`http://127.0.0.1:${spare}/videos/${videoId}`, { agent }, (res) => {
          status = res.statusCode ?? 0;
          res.once('data', (first: Buffer) => {
            chunks.push(first);
            res.pause();
            resume = () => {
              res.on('data', (d: Buffer) => chunks.push(d));
              res.resume();
            };
            resolvePaused();
          });
          res.once('end', () => resolve());
          res.once('error', reject);
        });
        req.once('error', (err) => {
          reject(err);
          rejectPaused(err);
        });
      });
      finished = done;
    });
    await paused;
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    // Still serving the download, but no longer taking new requests.
    expect(child.exitCode).toBeNull();
    const late = await fetch(`http://127.0.0.1:${spare}/healthz`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    resume();
    await finished;
    agent.destroy();
    expect(status).toBe(200);
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(VIDEO_BYTES);
    expect(sha256(body)).toBe(sha256(video));
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/did not stop within/);
  });

  it('logs shows the end of each log', async () => {
    const res = await deploy('logs', 'api');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('api listening on');
  });

  it('deploy.sh stop stops all four gracefully and leaves no process behind', async () => {
    const res = await deploy('stop');
    expect(res.code, res.stderr).toBe(0);
    for (const svc of SERVICES) {
      expect(res.stdout).toContain(`${svc}: stopped (pid ${started![svc]})`);
      expect(alive(started![svc]), svc).toBe(false);
      expect(existsSync(path.join(bin, 'run', `${svc}.pid`)), svc).toBe(false);
    }
    expect(res.stdout).not.toContain('SIGKILL');
    expect(processesMentioning(bin)).toEqual([]);
    const status = await deploy('status');
    expect(status.code).toBe(3);
    for (const svc of SERVICES) expect(status.stdout).toMatch(new RegExp(`^${svc}\\s+stopped`, 'm'));
  });
});
