/**
 * The api as its own process for the benchmarks (src/main.ts, as in production), and the CPU time
 * of processes read from /proc, so a run on a shared machine can say what each request cost.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Options } from 'autocannon';

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (ms) a process has used so far, from /proc; undefined where that is not readable. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return undefined;
  }
}

export function pidOf(names: string[]): number | undefined {
  for (const name of names) {
    try {
      const out = execFileSync('pidof', ['-s', name], { encoding: 'utf8' }).trim();
      if (out) return Number(out);
    } catch {
      // not running under this name
    }
  }
  return undefined;
}

export const perRequest = (before: number | undefined, after: number | undefined, requests: number) =>
  before === undefined || after === undefined || requests === 0 ? 'n/a' : ((after - before) / requests).toFixed(3);

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

export interface Api {
  server: ChildProcess;
  base: string;
  stop(): Promise<void>;
}

/** Starts services/api/src/main.ts on a free port against `url` and waits for /healthz. */
export async function startApi(url: string, extraEnv: Record<string, string> = {}): Promise<Api> {
  const port = await freePort();
  const root = path.resolve(import.meta.dirname, '..');
  // An empty config file, so only the environment below and the defaults apply.
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  writeFileSync(path.join(configDir, 'conf.json'), '{}');
  // SERVICE_NODE_ARGS (or BENCH_API_NODE_ARGS): node options for the api process only, not for
  // autocannon: a V8 flag to compare, or `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/api/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...extraEnv, CONFIG: path.join(configDir, 'conf.json'), DATABASE_URL: url, API_PORT: String(port), LOG_LEVEL: 'warn', LOG_PRETTY: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    rmSync(configDir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { server, base, stop };
    } catch {
      // not up yet
    }
    if (i > 150) {
      await stop();
      throw new Error('api did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}


/** Autocannon at `connections` against one route: a 2 s warm-up (JIT, the pool, the page cache), then `duration` seconds measured: one table row. */
export async function measureRoute(api: Api, options: Options, run: { dialect: 'sqlite' | 'mysql'; title: string; connections: number; duration: number }): Promise<string> {
  const { dialect, title, connections, duration } = run;
  const s = { options, title };
  await autocannon({ ...s.options, connections, duration: 2 });
  const dbPid = dialect === 'mysql' ? pidOf(['mariadbd', 'mysqld']) : undefined;
  const before = { api: cpuMs(api.server.pid), db: cpuMs(dbPid), gen: process.cpuUsage() };
  const r = await autocannon({ ...s.options, connections, duration });
  const gen = process.cpuUsage(before.gen);
  const n = r.requests.total;
  const cpu = {
    api: perRequest(before.api, cpuMs(api.server.pid), n),
    db: dialect === 'mysql' ? perRequest(before.db, cpuMs(dbPid), n) : 'in api',
    gen: ((gen.user + gen.system) / 1000 / Math.max(1, n)).toFixed(3),
  };
  const bad = r.non2xx + r.errors + r.timeouts;
  const rate = Math.round(r.requests.average);
  console.error(`${dialect} ${s.title}: ${rate} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx/errors ${bad}, cpu ms/req api ${cpu.api} db ${cpu.db} autocannon ${cpu.gen}`);
  return `| ${dialect} | ${s.title} | ${rate} | ${r.latency.p50} | ${r.latency.p99} | ${bad} | ${cpu.api} | ${cpu.db} | ${cpu.gen} |`;
}

/** The load average, to print beside the numbers. */
export const load = () => `${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`;
