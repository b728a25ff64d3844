/**
 * Search one query at a time, without the api: the cost of a distinct query, by step.
 *
 *   npx tsx bench/search-serial.ts --db sqlite|mysql [--queries 500] [--site-videos 10000]
 *
 * Seeds as bench/api.ts does (a throwaway database; MySQL from BENCH_MYSQL_URL), then runs the
 * bench's 3-word queries in turn through the search index (first page: 21 hits) and the page
 * fetch (listedVideosByIds), timing each, and prints the query plans (EXPLAIN) of both statements
 * of the last query. CPU is this process's and, on MySQL, the server's (from /proc).
 */
import { parseArgs } from 'node:util';
import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { connectDatabase, createSearchIndex, searchWords, type Db } from '@video/shared';
import { createTestDatabase } from '@video/shared/testing';
import { listedVideosByIds } from '../services/api/src/feed/feed-repository.js';
import { candidates } from '../packages/shared/src/db/search/gram-index.js';
import { cpuMs, pidOf } from './api-process.js';
import { searchQueries, seed } from './api-seed.js';

const { values: args } = parseArgs({
  options: { db: { type: 'string', default: 'sqlite' }, queries: { type: 'string', default: '500' }, 'site-videos': { type: 'string', default: '10000' } },
});
const dialect = args.db as 'sqlite' | 'mysql';
if (dialect === 'mysql') process.env.TEST_MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Remembers the compiled statements, for EXPLAIN. */
function recorder(db: Db): { plugin: KyselyPlugin; last: { sql: string; parameters: readonly unknown[] }[] } {
  const last: { sql: string; parameters: readonly unknown[] }[] = [];
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      const c = db.kysely.getExecutor().compileQuery(node as RootOperationNode, queryId);
      last.push({ sql: c.sql, parameters: c.parameters });
      if (last.length > 4) last.shift();
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { plugin, last };
}

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(3)} ms, p50 ${s[Math.floor(s.length / 2)].toFixed(3)}, p99 ${s[Math.floor(s.length * 0.99)].toFixed(3)}`;
};

async function explain(db: Db, q: { sql: string; parameters: readonly unknown[] }): Promise<void> {
  const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
  const rows = await db.kysely.executeQuery(CompiledQuery.raw(prefix + q.sql, [...q.parameters]));
  console.log(q.sql.slice(0, 160).replace(/\s+/g, ' ') + ' …');
  for (const r of rows.rows as Record<string, unknown>[]) console.log('  ', JSON.stringify(r));
}

async function main(): Promise<void> {
  const test = await createTestDatabase(dialect);
  try {
    await seed(test.url, Number(args['site-videos']));
    const db = connectDatabase(test.url);
    const rec = recorder(db);
    const k = db.kysely.withPlugin(rec.plugin);
    const index = createSearchIndex(db.dialect);
    const queries = searchQueries(7, Number(args.queries));
    const server = dialect === 'mysql' ? pidOf(['mariadbd', 'mysqld']) : undefined;
    const [tSearch, tPage, hits]: number[][] = [[], [], []];
    for (const q of queries.slice(0, 20)) await listedVideosByIds(k, (await index.search(k, { words: searchWords(q), limit: 21 })).map((h) => h.id));
    const cpu0 = process.cpuUsage();
    const db0 = cpuMs(server);
    for (const q of queries) {
      const t0 = performance.now();
      const found = await index.search(k, { words: searchWords(q), limit: 21 });
      const t1 = performance.now();
      await listedVideosByIds(k, found.map((h) => h.id));
      tSearch.push(t1 - t0);
      tPage.push(performance.now() - t1);
      hits.push(found.length);
    }
    const cpu = process.cpuUsage(cpu0);
    const dbCpu = db0 === undefined ? undefined : cpuMs(server)! - db0;
    const plans = rec.last.slice(-2);
    const tCand: number[] = [];
    for (const q of dialect === 'mysql' ? queries : []) {
      const t0 = performance.now();
      await candidates(k, searchWords(q));
      tCand.push(performance.now() - t0);
    }
    console.log(`${dialect}: ${queries.length} queries, serial; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`  search (first page of 21): ${stats(tSearch)}`);
    if (tCand.length > 0) console.log(`  of which the candidates (trigram bitmaps, alone): ${stats(tCand)}`);
    console.log(`  page fetch (listedVideosByIds): ${stats(tPage)}`);
    console.log(`  CPU per query: this process ${((cpu.user + cpu.system) / 1000 / queries.length).toFixed(3)} ms${dbCpu === undefined ? '' : `, database server ${(dbCpu / queries.length).toFixed(3)} ms`}`);
    for (const q of plans) await explain(db, q);
    await db.close();
  } finally {
    await test.drop();
  }
}

await main();
