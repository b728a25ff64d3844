// Docker cannot run here, so the compose file is validated by docker-compose itself (`config`
// resolves and checks it without a daemon) and the result is checked against what the site needs;
// the Dockerfile is checked to build with ./buildprod.sh and run bin/ as a non-root user.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SERVICES, run } from './helper.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: ({ published: string | number; target: number; host_ip?: string } | string)[];
  volumes?: ({ type: string; source: string; target: string; read_only?: boolean } | string)[];
  profiles?: string[];
  entrypoint?: string[];
}

const EMPTY_ENV_FILE = path.join(mkdtempSync(path.join(os.tmpdir(), 'video-compose-')), 'empty.env');
writeFileSync(EMPTY_ENV_FILE, '');

/** What an operator must set: the file has no published default for any of them. */
const REQUIRED = { MYSQL_PASSWORD: 'test-mysql-password', INTERNAL_TOKEN: 'test-internal-token' } as const;
const SECRET_KEYS = ['MYSQL_PASSWORD', 'INTERNAL_TOKEN', 'GRAFANA_ADMIN_PASSWORD', 'METRICS_TOKEN'];

/**
 * `docker-compose config` (Debian's docker-compose) or, failing that, `docker compose config`, with
 * exactly `vars` set (a developer's own values must not leak into the check); null when neither is
 * installed.
 */
async function composeConfig(vars: Record<string, string>): Promise<{ tool: string; code: number; stdout: string; stderr: string } | null> {
  const env = { ...process.env };
  for (const key of [...SECRET_KEYS, 'LOG_LEVEL', 'WEB_PUBLISH']) delete env[key];
  Object.assign(env, vars);
  // An .env beside the file would fill in what the environment leaves out.
  const args = ['-f', path.join(ROOT, 'docker-compose.yml'), '--project-directory', ROOT, '--env-file', EMPTY_ENV_FILE, 'config'];
  const v1 = await run('docker-compose', args, { env });
  if (v1.code !== -1) return { tool: 'docker-compose', ...v1 };
  const v2 = await run('docker', ['compose', ...args], { env });
  if (v2.code !== -1) return { tool: 'docker compose', ...v2 };
  return null;
}

const probe = await composeConfig(REQUIRED);
const NO_COMPOSE =
  "neither docker-compose nor docker compose is installed: install Debian's docker-compose " +
  '(apt-get install docker-compose) to validate docker-compose.yml';
if (probe === null) {
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but ${NO_COMPOSE}`);
  console.warn(`skipping the docker-compose.yml checks: ${NO_COMPOSE} (REQUIRE_DOCKER=1 makes this a failure)`);
}

describe.skipIf(probe === null)('docker-compose.yml', () => {
  let compose: { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

  beforeAll(() => {
    const res = probe!;
    if (res.code !== 0) throw new Error(`${res.tool} config failed (exit ${res.code}).\n${res.stdout}\n${res.stderr}`);
    compose = parse(res.stdout);
  });

  it.each(Object.keys(REQUIRED))('refuses to start without %s, naming it (no published default)', async (key) => {
    const vars: Record<string, string> = { ...REQUIRED };
    delete vars[key];
    const res = (await composeConfig(vars))!;
    expect(res.code, res.stdout).not.toBe(0);
    expect(res.stderr).toContain(key);
    const empty = (await composeConfig({ ...vars, [key]: '' }))!;
    expect(empty.code, 'an empty value is refused too').not.toBe(0);
  }, 60_000);

  it('passes the operator\'s secrets through, and no value in the file is a default secret', () => {
    const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const key of SECRET_KEYS) expect(raw, key).not.toMatch(new RegExp(`\\$\\{${key}:?-[^}]+\\}`));
    for (const name of SERVICES) {
      expect(compose.services[name].environment?.INTERNAL_TOKEN).toBe(REQUIRED.INTERNAL_TOKEN);
      expect(compose.services[name].environment?.DATABASE_URL).toContain(`:${REQUIRED.MYSQL_PASSWORD}@`);
    }
    expect(compose.services.mysql.environment?.MYSQL_PASSWORD).toBe(REQUIRED.MYSQL_PASSWORD);
  });

  it('Grafana gets no admin/admin: without GRAFANA_ADMIN_PASSWORD it refuses to start', async () => {
    const grafana = compose.services.grafana;
    expect(grafana.environment?.GF_SECURITY_ADMIN_PASSWORD ?? '').toBe('');
    // The guard runs in the container before Grafana: run it here with and without the password.
    const entry = grafana.entrypoint!;
    expect(entry.slice(0, 2)).toEqual(['sh', '-c']);
    // `config` keeps `$$` escaped (its output is a compose file again); the container sees `$`.
    const script = entry[2].replaceAll('$$', '$').replace('exec /run.sh', 'echo started');
    const without = await run('sh', ['-c', script], { env: { PATH: process.env.PATH } });
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain('GRAFANA_ADMIN_PASSWORD');
    const given = await run('sh', ['-c', script], { env: { PATH: process.env.PATH, GF_SECURITY_ADMIN_PASSWORD: 'x' } });
    expect(given).toMatchObject({ code: 0, stdout: 'started\n' });
    const withPassword = (await composeConfig({ ...REQUIRED, GRAFANA_ADMIN_PASSWORD: 'graf-pass' }))!;
    expect(parse(withPassword.stdout).services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('graf-pass');
  }, 60_000);

  const volumeAt = (svc: ComposeService, target: string) =>
    (svc.volumes ?? [])
      .map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v))
      .find((v) => v.target === target);

  it('runs MySQL 8 with utf8mb4, a health check and a named volume', () => {
    const mysql = compose.services.mysql;
    expect(mysql.image).toMatch(/^mysql:8/);
    expect(mysql.command).toEqual(expect.arrayContaining(['--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin']));
    expect(mysql.healthcheck?.test.join(' ')).toContain('mysqladmin ping');
    const data = volumeAt(mysql, '/var/lib/mysql');
    expect(data?.source).toBe('mysql-data');
    expect(compose.volumes).toHaveProperty('mysql-data');
  });

  it.each(SERVICES)('%s: built image, its entry, the database, the service URLs, health-gated start', (name) => {
    const svc = compose.services[name];
    expect(svc.build).toBeDefined();
    expect(svc.command).toEqual([`./${name}`]);
    expect(svc.healthcheck?.test.join(' ')).toContain('/healthz');
    expect(svc.environment).toMatchObject({
      HOST: '0.0.0.0',
      API_URL: 'http://api:9003',
      STREAM_URL: 'http://streamserver:9004',
      SCHEDULER_URL: 'http://scheduler:9005',
    });
    expect(svc.environment?.DATABASE_URL).toMatch(/^mysql:\/\/video:[^@]+@mysql:3306\/video$/);
    const waitsFor = Object.keys(svc.depends_on ?? {});
    expect(waitsFor.length).toBeGreaterThan(0);
    for (const dep of waitsFor) expect(['service_healthy', 'service_started']).toContain(svc.depends_on![dep].condition);
    if (name !== 'web') expect(svc.depends_on?.mysql?.condition).toBe('service_healthy');
    else expect(svc.depends_on?.api?.condition).toBe('service_healthy');
  });

  it('the scheduler listens on the compose network (its own bind key defaults to loopback), unpublished', () => {
    expect(compose.services.scheduler.environment?.SCHEDULER_HOST).toBe('0.0.0.0');
    expect(compose.services.scheduler.ports ?? []).toEqual([]);
  });

  it('shares one video volume between the stream server and the scheduler', () => {
    const dir = compose.services.streamserver.environment?.VIDEO_DIR;
    expect(dir).toBeTruthy();
    const a = volumeAt(compose.services.streamserver, dir!);
    const b = volumeAt(compose.services.scheduler, dir!);
    expect(a?.source).toBeTruthy();
    expect(b?.source).toBe(a?.source);
    expect(compose.volumes).toHaveProperty(a!.source);
  });

  it('publishes only the web port (monitoring extras only on loopback)', () => {
    const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0);
    const always = published.filter(([, s]) => !s.profiles?.length).map(([n]) => n);
    expect(always).toEqual(['web']);
    expect(compose.services.web.ports).toHaveLength(1);
    const webPort = compose.services.web.ports![0];
    expect(typeof webPort === 'string' ? webPort : webPort.target).toEqual(typeof webPort === 'string' ? '9006:9006' : 9006);
    for (const [, s] of published.filter(([, s]) => s.profiles?.length)) {
      for (const p of s.ports!) expect(typeof p === 'string' ? p : p.host_ip).toMatch(/^127\.0\.0\.1/);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of dockerfile) {
    if (/^FROM /i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }

  it('builds on node:20-bookworm-slim with npm ci and ./buildprod.sh', () => {
    expect(stages).toHaveLength(2);
    const [build] = stages;
    expect(build.from).toBe('FROM node:20-bookworm-slim AS build');
    const runs = build.lines.filter((l) => l.startsWith('RUN ')).map((l) => l.slice(4));
    expect(runs).toContain('npm ci --no-audit --no-fund');
    // The production build is exactly the script operators run (it type-checks, bundles, copies).
    expect(runs.at(-1)).toBe('./buildprod.sh');
    expect(runs.indexOf('npm ci --no-audit --no-fund')).toBeLessThan(runs.indexOf('./buildprod.sh'));
  });

  it('runs bin/ from a slim image as the non-root node user', () => {
    const runtime = stages[1];
    expect(runtime.from).toMatch(/^FROM node:20-bookworm-slim AS runtime$/);
    expect(runtime.lines).toContain('COPY --from=build /src/bin/ ./');
    expect(runtime.lines).toContain('USER node');
    expect(runtime.lines.find((l) => l.startsWith('ENV '))).toContain('HOST=0.0.0.0');
    const user = runtime.lines.indexOf('USER node');
    expect(runtime.lines.findIndex((l) => l.startsWith('CMD '))).toBeGreaterThan(user);
  });

  it('keeps host builds and dependencies out of the build context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', 'bin', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
  });
});

describe('Prometheus scrape configs', () => {
  const conf = JSON.parse(readFileSync(path.join(ROOT, 'conf.json'), 'utf8'));
  const cases = [
    ['deploy/prometheus.yml', (svc: string, port: number) => `127.0.0.1:${port}`, conf],
    ['deploy/prometheus-compose.yml', (svc: string, port: number) => `${svc}:${port}`, {}],
  ] as const;
  // The web's public port serves no /metrics: its own are on web_metrics_port.
  const portOf: Record<string, number> = { api: 9003, streamserver: 9004, scheduler: 9005, web: 9007 };
  const confKey: Record<string, string> = { api: 'api_port', streamserver: 'stream_port', scheduler: 'scheduler_port', web: 'web_metrics_port' };

  it.each(cases)('%s scrapes /metrics of all four services, one job each', (file, target, settings) => {
    const doc = parse(readFileSync(path.join(ROOT, file), 'utf8'));
    const jobs = doc.scrape_configs as { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    expect(jobs.map((j) => j.job_name)).toEqual([...SERVICES]);
    for (const job of jobs) {
      const port = (settings as Record<string, number>)[confKey[job.job_name]] ?? portOf[job.job_name];
      expect(job.metrics_path).toBe('/metrics');
      expect(job.static_configs.flatMap((s) => s.targets)).toEqual([target(job.job_name, port)]);
    }
  });
});

describe.skipIf(probe === null)('docker-compose.yml, profile scale (two of each behind nginx)', () => {
  type Networks = Record<string, { aliases?: string[]; ipv4_address?: string } | null> | string[];
  let services: Record<string, ComposeService & { networks?: Networks }>;
  const nginxConf = readFileSync(path.join(ROOT, 'deploy/nginx/nginx.conf'), 'utf8');

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...REQUIRED };
    for (const key of ['GRAFANA_ADMIN_PASSWORD', 'METRICS_TOKEN', 'LOG_LEVEL', 'WEB_PUBLISH', 'SCALE_PUBLISH', 'SENTRY_DSN']) delete env[key];
    const args = ['-f', path.join(ROOT, 'docker-compose.yml'), '--project-directory', ROOT, '--env-file', EMPTY_ENV_FILE, '--profile', 'scale', 'config'];
    const res = probe!.tool === 'docker-compose' ? await run('docker-compose', args, { env }) : await run('docker', ['compose', ...args], { env });
    if (res.code !== 0) throw new Error(`compose --profile scale config failed (exit ${res.code}).\n${res.stderr}`);
    services = parse(res.stdout).services;
  });

  /** Every name a service answers to on the compose network: its own and its aliases. */
  const namesOf = (name: string): string[] => {
    const nets = services[name]?.networks;
    const aliases = nets && !Array.isArray(nets) ? Object.values(nets).flatMap((n) => n?.aliases ?? []) : [];
    return [name, ...aliases];
  };
  const ipOf = (name: string): string | undefined => {
    const nets = services[name]?.networks;
    return nets && !Array.isArray(nets) ? nets.default?.ipv4_address : undefined;
  };

  it('runs a second api, stream server, scheduler and web, nginx in front, one Redis for all', () => {
    for (const name of ['api-2', 'streamserver-2', 'scheduler-2', 'web-2', 'nginx']) expect(services[name]?.profiles, name).toEqual(['scale']);
    expect(services.redis.profiles ?? []).toEqual([]);
    for (const name of [...SERVICES, 'api-2', 'streamserver-2', 'scheduler-2', 'web-2']) {
      const env = services[name].environment!;
      expect(env.REDIS_URL, name).toBe('redis://redis:6379');
      expect(env.INTERNAL_TOKEN, name).toBe(REQUIRED.INTERNAL_TOKEN);
      expect(env.DATABASE_URL, name).toBe(services.api.environment!.DATABASE_URL);
    }
    for (const name of ['streamserver-2', 'scheduler-2']) {
      const vol = (services[name].volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
      expect(vol, name).toContain('videos');
    }
  });

  it('nginx runs the shipped deploy/nginx/nginx.conf, and each of its upstream servers is a service here', () => {
    const mount = (services.nginx.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    expect(mount.some((m) => m.includes('deploy/nginx/nginx.conf') && m.includes('/etc/nginx/nginx.conf'))).toBe(true);
    const ports: Record<string, number> = { web: 9006, api: 9003, streamserver: 9004 };
    const servers = [...nginxConf.matchAll(/^\s*server ([a-z-]+)-(\d+):(\d+)/gm)];
    expect(servers.length).toBe(6);
    for (const [, base, , port] of servers) expect(Number(port)).toBe(ports[base!]);
    const known = Object.keys(services).flatMap(namesOf);
    for (const [, base, n] of servers) expect(known, `${base}-${n}`).toContain(`${base}-${n}`);
  });

  it('nginx sends the files the stream servers hand it (X-Accel-Redirect) from their own volume', () => {
    const alias = /location (\/[^/\s]+)\/ \{\n\s*internal;\n\s*alias ([^;]+)\/;/.exec(nginxConf);
    expect(alias, 'an internal location with an alias').not.toBeNull();
    const mount = (services.nginx.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`));
    expect(mount).toContain(`videos:${alias![2]}:ro`);
    for (const name of ['streamserver', 'streamserver-2']) {
      expect(services[name].environment!.STREAM_ACCEL_REDIRECT_PREFIX, name).toBe(alias![1]);
      expect(services[name].environment!.VIDEO_DIR, name).toBe(alias![2]);
    }
  });

  it('a web without the videos volume does not try to send the files X-Accel-Redirect names (web_serve_local_files)', () => {
    for (const name of ['web', 'web-2']) {
      const vol = (services[name].volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
      if (!vol.includes('videos')) expect(services[name].environment!.WEB_SERVE_LOCAL_FILES, name).toBe('false');
    }
  });

  it('web-2 reaches the api and stream servers through nginx; no instance but the first web is published', () => {
    expect(services['web-2'].environment).toMatchObject({ API_URL: 'http://nginx:9003', STREAM_URL: 'http://nginx:9004' });
    expect(nginxConf).toMatch(/listen 9003;/);
    expect(nginxConf).toMatch(/listen 9004;/);
    expect(services['web-2'].ports ?? []).toEqual([]);
    for (const name of ['api-2', 'streamserver-2', 'scheduler-2']) expect(services[name].ports ?? [], name).toEqual([]);
  });

  it('trusts X-Forwarded-For from nginx and the webs only (fixed addresses)', () => {
    const trusted = JSON.parse(services.api.environment!.TRUSTED_PROXIES!) as string[];
    for (const name of ['nginx', 'web', 'web-2']) expect(trusted, name).toContain(ipOf(name));
    expect(trusted.filter((t) => t.includes('/'))).toEqual([]);
  });
});
