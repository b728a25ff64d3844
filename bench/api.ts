/**
 * Load test of the api over real sockets: the service runs as its own process (src/main.ts, as in
 * production) and autocannon drives it with 16 connections.
 *
 *   npx tsx bench/api.ts --db sqlite|mysql [--duration 10] [--connections 16] [--only feed,search] [--analyze] [--redis auto|on|off] [--cache-mb 32] [--prewarm]
 *
 * `--redis` gives the api a `redis_url` (BENCH_REDIS_URL, default redis://127.0.0.1:6379, with a
 * prefix of its own per run): `auto` means on for MySQL, where the read cache needs it, off for
 * SQLite. `--cache-mb` is api_read_cache_mb (0 measures without the read cache). `--prewarm` reads
 * every site video and search query once before measuring, so the random-id and search rows show a
 * warm cache (the steady state of hot content) instead of mostly first reads.
 *
 * MySQL uses BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/test) and a throwaway database.
 * Seeds (bench/api-seed.ts) one user with 1,000 videos and one video with 1,000 comments, and a
 * second user with 10,000 public videos (names, descriptions and tags from a small word list, with
 * their search documents), then measures the list routes (GET /user/:u/videos, GET
 * /videos/:id/comments, POST /videos/:id/comments) and the public site's (the feed, one video by a
 * random id, search for three random words, a playback report for a random video). Prints a
 * Markdown table with, beside req/s and latency, the CPU time per request of the api process, the
 * database server (MySQL) and this load generator: on a shared machine those say what the
 * throughput would be with the cores to itself. `--analyze` gathers the planner's statistics after
 * seeding (see bench/api-seed.ts).
 */
import { parseArgs } from 'node:util';
import type { Options } from 'autocannon';
import { createTestDatabase } from '@video/shared/testing';
import { load, measureRoute, startApi, type Api } from './api-process.js';
import { PASSWORD, USER, VIDEO_ID, pick, prng, searchQueries, seed } from './api-seed.js';

const SCENARIOS = ['user-videos', 'comments', 'post-comment', 'feed', 'video', 'search', 'view'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
const USAGE = `usage: npx tsx bench/api.ts --db sqlite|mysql [--duration 10] [--connections 16] [--site-videos 10000] [--analyze] [--redis auto|on|off] [--cache-mb 32] [--prewarm] [--only ${SCENARIOS.join(',')}]`;

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    'site-videos': { type: 'string', default: '10000' },
    analyze: { type: 'boolean', default: false },
    redis: { type: 'string', default: 'auto' },
    'cache-mb': { type: 'string', default: '32' },
    prewarm: { type: 'boolean', default: false },
    only: { type: 'string', default: SCENARIOS.join(',') },
    help: { type: 'boolean', default: false },
  },
});
const only = args.only.split(',').map((s) => s.trim());
const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
if (args.help || (args.db !== 'sqlite' && args.db !== 'mysql') || unknown.length > 0 || !['auto', 'on', 'off'].includes(args.redis)) {
  if (unknown.length > 0) console.error(`unknown scenario(s): ${unknown.join(', ')}`);
  console.log(USAGE);
  process.exit(args.help ? 0 : 2);
}
const dialect = args.db as 'sqlite' | 'mysql';
const duration = Number(args.duration);
const connections = Number(args.connections);
const siteVideos = Number(args['site-videos']);
const useRedis = args.redis === 'on' || (args.redis === 'auto' && dialect === 'mysql');
const redisUrl = useRedis ? `${process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'}/?prefix=bench-api-${process.pid}-${Date.now()}:` : '';
if (dialect === 'mysql') process.env.TEST_MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/user/${USER}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_name: USER, pwd: PASSWORD }),
  });
  return ((await res.json()) as { session_id: string }).session_id;
}

interface Scenario {
  name: ScenarioName;
  title: string;
  options: Options;
}

/** Requests of one kind whose path is made anew for each request (random ids, queries). */
function each(base: string, method: 'GET' | 'POST', makePath: () => string, extra: Partial<Options> = {}): Options {
  return { url: base, ...extra, requests: [{ method, setupRequest: (req) => ({ ...req, method, path: makePath() }) }] };
}

/** Every path once, 16 at a time (--prewarm). */
async function prewarm(base: string, paths: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) await (await fetch(`${base}${paths[next++]}`)).arrayBuffer();
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

function scenarios(base: string, session: string, siteIds: string[]): Scenario[] {
  const rand = prng(42);
  const queries = searchQueries(7, 1000);
  let q = 0;
  const json = { 'content-type': 'application/json' };
  const all: Scenario[] = [
    { name: 'user-videos', title: 'GET /user/:u/videos', options: { url: `${base}/user/${USER}/videos`, method: 'GET' } },
    { name: 'comments', title: 'GET /videos/:id/comments', options: { url: `${base}/videos/${VIDEO_ID}/comments`, method: 'GET' } },
    {
      name: 'post-comment',
      title: 'POST /videos/:id/comments',
      options: { url: `${base}/videos/${VIDEO_ID}/comments`, method: 'POST', headers: { ...json, 'x-session-id': session }, body: JSON.stringify({ content: 'a benchmark comment' }) },
    },
    { name: 'feed', title: 'GET /videos?limit=50 (feed)', options: { url: `${base}/videos?limit=50`, method: 'GET' } },
    { name: 'video', title: 'GET /videos/:id (random)', options: each(base, 'GET', () => `/videos/${pick(rand, siteIds)}`) },
    {
      name: 'search',
      title: `GET /search?q= (3 words, ${siteIds.length} videos)`,
      options: each(base, 'GET', () => `/search?q=${encodeURIComponent(queries[q++ % queries.length])}`),
    },
    {
      name: 'view',
      title: 'POST /videos/:id/views (random)',
      options: each(base, 'POST', () => `/videos/${pick(rand, siteIds)}/views`, { headers: json, body: JSON.stringify({ position: 12.5 }) }),
    },
  ];
  return all.filter((s) => only.includes(s.name));
}

/** The api's read-cache counters (services/api/src/http/read-cache.ts), from its /metrics. */
async function cacheCounts(api: Api): Promise<Record<string, number>> {
  const text = await (await fetch(`${api.base}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^api_read_cache_requests_total\{result="(\w+)"\} (\d+)/gm)) counts[m[1]] = Number(m[2]);
  return counts;
}

/** One route's row; the read cache's hits among the measured and warm-up requests go to stderr. */
async function measure(api: Api, s: Scenario): Promise<string> {
  const before = await cacheCounts(api);
  const row = await measureRoute(api, s.options, { dialect, title: s.title, connections, duration });
  const after = await cacheCounts(api);
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const all = delta('hit') + delta('miss') + delta('uncached');
  if (all > 0) console.error(`${dialect} ${s.title}: read cache hits ${((100 * delta('hit')) / all).toFixed(1)} % of ${all} (uncached ${delta('uncached')})`);
  return row;
}


async function main(): Promise<void> {
  const test = await createTestDatabase(dialect);
  try {
    const started = Date.now();
    const { siteIds } = await seed(test.url, siteVideos, args.analyze);
    console.error(`seeded ${siteIds.length} public videos (and the list data) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const api = await startApi(test.url, { SIGNIN_RATE_LIMIT: '1000000', COMMENT_RATE_LIMIT: '1000000', REDIS_URL: redisUrl, API_READ_CACHE_MB: args['cache-mb'] });
    try {
      const session = await signIn(api.base);
      if (args.prewarm) {
        const started = Date.now();
        await prewarm(api.base, [...siteIds.map((id) => `/videos/${id}`), ...searchQueries(7, 1000).map((q) => `/search?q=${encodeURIComponent(q)}`)]);
        console.error(`prewarmed ${siteIds.length} videos and 1000 searches in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      console.log(`load average at the start: ${load()}; redis ${redisUrl ? 'on' : 'off'}, api_read_cache_mb ${args['cache-mb']}`);
      const rows: string[] = [];
      for (const s of scenarios(api.base, session, siteIds)) rows.push(await measure(api, s));
      console.log(`load average at the end: ${load()}`);
      console.log('| db | route | req/s | p50 ms | p99 ms | non-2xx | api CPU ms/req | db CPU ms/req | autocannon CPU ms/req |');
      console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const row of rows) console.log(row);
    } finally {
      await api.stop();
    }
  } finally {
    await test.drop();
  }
}

await main();
