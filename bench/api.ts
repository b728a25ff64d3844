/**
 * Load test of the api over real sockets: the service runs as its own process (src/main.ts, as in
 * production) and autocannon drives it with 16 connections.
 *
 *   npx tsx bench/api.ts --db sqlite|mysql [--duration 10] [--connections 16]
 *
 * MySQL uses BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/test) and a throwaway database.
 * Seeds one user with 1,000 videos and one video with 1,000 comments, then measures
 * GET /user/:u/videos, GET /videos/:id/comments (50 items per page, the default) and
 * POST /videos/:id/comments. Prints a Markdown table with, beside req/s and latency, the CPU time
 * per request of the api process, the database server (MySQL) and this load generator: on a shared
 * machine those say what the throughput would be with the cores to itself.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { connectDatabase, displayCtime, migrate } from '@video/shared';
import { createTestDatabase } from '@video/shared/testing';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help || (args.db !== 'sqlite' && args.db !== 'mysql')) {
  console.log('usage: npx tsx bench/api.ts --db sqlite|mysql [--duration 10] [--connections 16]');
  process.exit(args.help ? 0 : 2);
}
const dialect = args.db as 'sqlite' | 'mysql';
const duration = Number(args.duration);
const connections = Number(args.connections);
if (dialect === 'mysql') process.env.TEST_MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

const SEED = 1000;
const USER = 'bench_user';
const VIDEO_ID = '00000000-0000-4000-8000-00000000beef';

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (ms) a process has used so far, from /proc; undefined where that is not readable. */
function cpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return undefined;
  }
}

function pidOf(names: string[]): number | undefined {
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

const perRequest = (before: number | undefined, after: number | undefined, requests: number) =>
  before === undefined || after === undefined || requests === 0 ? 'n/a' : ((after - before) / requests).toFixed(3);

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

async function seed(url: string): Promise<void> {
  const db = connectDatabase(url);
  await migrate(db);
  const now = Date.now();
  const pwd_hash = await bcrypt.hash('bench-pwd', 4);
  await db.kysely.insertInto('users').values({ user_name: USER, pwd_hash, create_time: now }).execute();
  const user = await db.kysely.selectFrom('users').select('id').where('user_name', '=', USER).executeTakeFirstOrThrow();
  for (let start = 0; start < SEED; start += 200) {
    const videos = Array.from({ length: 200 }, (_, i) => {
      const t = now - (start + i) * 1000;
      const id = i + start === 0 ? VIDEO_ID : `00000000-0000-4000-8000-${String(start + i).padStart(12, '0')}`;
      return { id, author_id: user.id, name: `video ${start + i}`, display_ctime: displayCtime(t), create_time: t, deleted_at: null, upload_state: 'ready' as const, size: 1_000_000, content_type: 'video/mp4', updated_at: t };
    });
    await db.kysely.insertInto('video_info').values(videos).execute();
    const comments = Array.from({ length: 200 }, (_, i) => ({
      id: `10000000-0000-4000-8000-${String(start + i).padStart(12, '0')}`,
      video_id: VIDEO_ID,
      author_id: user.id,
      content: `comment number ${start + i}, with a few words to make it realistic`,
      time: now - (start + i) * 1000,
    }));
    await db.kysely.insertInto('comments').values(comments).execute();
  }
  await db.close();
}

async function main(): Promise<void> {
  const test = await createTestDatabase(dialect);
  await seed(test.url);
  const port = await freePort();
  const root = path.resolve(import.meta.dirname, '..');
  // An empty config file, so only the environment below and the defaults apply.
  const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-api-')), 'conf.json');
  writeFileSync(configFile, '{}');
  const server = spawn(process.execPath, ['--import', 'tsx', 'services/api/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      CONFIG: configFile,
      DATABASE_URL: test.url,
      API_PORT: String(port),
      LOG_LEVEL: 'warn',
      SIGNIN_RATE_LIMIT: '1000000',
      LOG_PRETTY: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // not up yet
      }
      if (i > 150) throw new Error('api did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const signIn = await fetch(`${base}/user/${USER}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_name: USER, pwd: 'bench-pwd' }),
    });
    const { session_id } = (await signIn.json()) as { session_id: string };

    const cases = [
      { title: `GET /user/:u/videos`, url: `${base}/user/${USER}/videos`, method: 'GET' as const },
      { title: `GET /videos/:id/comments`, url: `${base}/videos/${VIDEO_ID}/comments`, method: 'GET' as const },
      {
        title: `POST /videos/:id/comments`,
        url: `${base}/videos/${VIDEO_ID}/comments`,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json', 'x-session-id': session_id },
        body: JSON.stringify({ content: 'a benchmark comment' }),
      },
    ];
    const rows: string[] = [];
    for (const c of cases) {
      // Warm up: JIT, the pool, the page cache.
      await autocannon({ ...c, connections, duration: 2 });
      const dbPid = dialect === 'mysql' ? pidOf(['mariadbd', 'mysqld']) : undefined;
      const before = { api: cpuMs(server.pid), db: cpuMs(dbPid), gen: process.cpuUsage() };
      const r = await autocannon({ ...c, connections, duration });
      const gen = process.cpuUsage(before.gen);
      const n = r.requests.total;
      const cpu = {
        api: perRequest(before.api, cpuMs(server.pid), n),
        db: dialect === 'mysql' ? perRequest(before.db, cpuMs(dbPid), n) : 'in api',
        gen: ((gen.user + gen.system) / 1000 / Math.max(1, n)).toFixed(3),
      };
      const bad = r.non2xx + r.errors + r.timeouts;
      rows.push(
        `| ${dialect} | ${c.title} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${bad} | ${cpu.api} | ${cpu.db} | ${cpu.gen} |`,
      );
      console.error(`${dialect} ${c.title}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, non-2xx/errors ${bad}, cpu ms/req api ${cpu.api} db ${cpu.db} autocannon ${cpu.gen}`);
    }
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
    console.log('| db | route | req/s | p50 ms | p99 ms | non-2xx | api CPU ms/req | db CPU ms/req | autocannon CPU ms/req |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await test.drop();
    rmSync(path.dirname(configFile), { recursive: true, force: true });
  }
}

await main();
