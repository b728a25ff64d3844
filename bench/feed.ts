/**
 * Load test of the subscription feed over real sockets: a reader follows 500 channels holding
 * 100,000 videos in total (bench/feed-seed.ts; as many unfollowed channels add videos of their
 * own), the api runs as its own process, and autocannon reads GET /user/:me/feed at 16 connections:
 * the first page, and pages that start at a random point of the year (a cursor, as a reader
 * scrolling back would send).
 *
 *   npx tsx bench/feed.ts [--mysql mysql://root@127.0.0.1:3306/test] [--duration 10] [--connections 16]
 *                         [--channels 500] [--videos 100000] [--others 50000] [--explain]
 *
 * SQLite always (a temporary file); MySQL too when --mysql names a server (a throwaway database is
 * made there and dropped). `--explain` prints each database's plan of the feed query.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { connectDatabase, encodeCursor, type DialectName } from '@video/shared';
import { createTestDatabase } from '@video/shared/testing';
import { feedIdsQuery } from '../services/api/src/follows/subscriptions-repository.js';
import { load, measureRoute, startApi } from './api-process.js';
import { READER, READER_PWD, seedFeed } from './feed-seed.js';

const USAGE = 'usage: npx tsx bench/feed.ts [--mysql URL] [--duration 10] [--connections 16] [--channels 500] [--videos 100000] [--others 50000] [--explain]';
const { values: args } = parseArgs({
  options: {
    mysql: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    channels: { type: 'string', default: '500' },
    videos: { type: 'string', default: '100000' },
    others: { type: 'string', default: '50000' },
    explain: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const run = { connections: Number(args.connections), duration: Number(args.duration) };
const seedSize = { channels: Number(args.channels), videos: Number(args.videos), others: Number(args.others) };
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The database's plan for one feed page (the statement the route runs). */
async function explain(url: string, readerId: number): Promise<void> {
  const db = connectDatabase(url);
  try {
    const query = feedIdsQuery(db, readerId, { limit: 51, before: { time: Date.now() - YEAR_MS / 2, id: 'f' } }).compile(db.kysely);
    const prefix = db.dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
    const rows = await sql.raw(prefix + inline(query.sql, query.parameters)).execute(db.kysely);
    console.log(`plan on ${db.dialect}:`);
    for (const r of rows.rows) console.log('  ' + JSON.stringify(r));
  } finally {
    await db.close();
  }
}

const inline = (text: string, params: readonly unknown[]) => {
  let i = 0;
  return text.replace(/\?/g, () => {
    const p = params[i++];
    return typeof p === 'number' ? String(p) : `'${String(p).replace(/'/g, "''")}'`;
  });
};

async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/user/${READER}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_name: READER, pwd: READER_PWD }) });
  return ((await res.json()) as { session_id: string }).session_id;
}

async function benchOne(dialect: DialectName): Promise<string[]> {
  const test = await createTestDatabase(dialect);
  try {
    const started = Date.now();
    await seedFeed(test.url, seedSize);
    console.error(`${dialect}: seeded ${seedSize.videos} followed and ${seedSize.others} other videos in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (args.explain) await explain(test.url, 1);
    const api = await startApi(test.url, { SIGNIN_RATE_LIMIT: '1000000' });
    try {
      const headers = { 'x-session-id': await signIn(api.base) };
      const path = `/user/${READER}/feed?limit=50`;
      const now = Date.now();
      const deep = () => `${path}&cursor=${encodeCursor({ time: now - Math.floor(Math.random() * YEAR_MS), id: 'f' })}`;
      return [
        await measureRoute(api, { url: api.base + path, headers }, { dialect, title: 'GET /user/:me/feed?limit=50 (first page)', ...run }),
        await measureRoute(api, { url: api.base, requests: [{ method: 'GET', headers, setupRequest: (req) => ({ ...req, path: deep() }) }] }, { dialect, title: 'GET /user/:me/feed?limit=50&cursor= (random point)', ...run }),
      ];
    } finally {
      await api.stop();
    }
  } finally {
    await test.drop();
  }
}

async function main(): Promise<void> {
  const dialects: DialectName[] = ['sqlite'];
  if (args.mysql) {
    process.env.TEST_MYSQL_URL = args.mysql;
    dialects.push('mysql');
  }
  console.log(`load average at the start: ${load()}; ${os.cpus()[0]?.model ?? 'cpu'}`);
  const rows: string[] = [];
  for (const d of dialects) rows.push(...(await benchOne(d)));
  console.log(`load average at the end: ${load()}`);
  console.log('| db | route | req/s | p50 ms | p99 ms | non-2xx | api CPU ms/req | db CPU ms/req | autocannon CPU ms/req |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

await main();
