/**
 * Purge throughput: 10,000 soft-deleted videos with small files (and a comment each), queued for
 * purge, then purged by one or two scheduler instances (separate processes running the real purge
 * job) on SQLite and on MySQL. Reports the wall time from "go" until the queue is empty.
 *
 *   node --import tsx bench/purge.ts [--videos 10000] [--mysql mysql://root@127.0.0.1:3306/test]
 *     [--batch 100] [--concurrency 4] [--chunk 25] [--only sqlite-1,mysql-1,mysql-2]
 *
 * Without --mysql (or BENCH_MYSQL_URL / TEST_MYSQL_URL) only SQLite runs. A MySQL database of its
 * own is created and dropped for each case.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectDatabase, insertUser, migrate, type Db } from '@video/shared';
import { createTestDatabase } from '@video/shared/testing';

const { values: args } = parseArgs({
  options: {
    videos: { type: 'string', default: '10000' },
    mysql: { type: 'string', default: process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? '' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    chunk: { type: 'string', default: '25' },
    only: { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: node --import tsx bench/purge.ts [--videos N] [--mysql URL] [--batch N] [--concurrency N] [--chunk N] [--only sqlite-1,mysql-1,mysql-2]');
  process.exit(0);
}
const VIDEOS = Number(args.videos);

async function seed(db: Db, videoDir: string): Promise<void> {
  mkdirSync(videoDir, { recursive: true });
  const authorId = await insertUser(db.kysely, { user_name: 'bench', pwd_hash: 'x', create_time: Date.now() });
  const now = Date.now();
  for (let i = 0; i < VIDEOS; i += 500) {
    const ids = Array.from({ length: Math.min(500, VIDEOS - i) }, (_, k) => `bench-${String(i + k).padStart(6, '0')}`);
    await db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('video_info')
        .values(
          ids.map((id) => ({
            id,
            author_id: authorId,
            name: id,
            display_ctime: 'Jan 02 2006, 15:04:05',
            create_time: now,
            deleted_at: now,
            upload_state: 'ready' as const,
            size: 1024,
            content_type: 'video/mp4',
            updated_at: now,
          })),
        )
        .execute();
      await trx
        .insertInto('comments')
        .values(ids.map((id) => ({ id: `${id}-c`, video_id: id, author_id: authorId, content: 'nice', time: now })))
        .execute();
      await trx
        .insertInto('video_del_rec')
        .values(ids.map((id) => ({ video_id: id, create_time: now, claimed_by: null, claimed_until: 0, attempts: 0, next_attempt_at: 0 })))
        .execute();
    });
    const data = Buffer.alloc(1024, 1);
    for (const id of ids) writeFileSync(path.join(videoDir, id), data);
  }
}

function startWorker(url: string, videoDir: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/purge-worker.ts', url, videoDir, args.batch, args.concurrency, args.chunk],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
  const result = new Promise<{ purged: number; failed: number; runs: number; ms: number }>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() as string)) : reject(new Error(`worker exited with ${code}`)))),
  );
  return { child, ready, result };
}

async function runCase(name: string, dialect: 'sqlite' | 'mysql', instances: number) {
  const test = await createTestDatabase(dialect);
  const videoDir = mkdtempSync(path.join(os.tmpdir(), 'bench-purge-'));
  const db = connectDatabase(test.url);
  try {
    await migrate(db);
    await seed(db, videoDir);
    const workers = Array.from({ length: instances }, () => startWorker(test.url, videoDir));
    await Promise.all(workers.map((w) => w.ready));
    const started = performance.now();
    for (const w of workers) w.child.stdin.end('go\n');
    const results = await Promise.all(workers.map((w) => w.result));
    const ms = performance.now() - started;
    const left = await db.kysely.selectFrom('video_del_rec').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const files = readdirSync(videoDir).length;
    const purged = results.reduce((s, r) => s + r.purged, 0);
    const line = {
      case: name,
      videos: VIDEOS,
      instances,
      seconds: +(ms / 1000).toFixed(2),
      videos_per_second: Math.round(VIDEOS / (ms / 1000)),
      purged_per_instance: results.map((r) => r.purged),
      purged_total: purged,
      failed: results.reduce((s, r) => s + r.failed, 0),
      records_left: Number(left.n),
      files_left: files,
    };
    console.log(JSON.stringify(line));
    if (purged !== VIDEOS || Number(left.n) !== 0 || files !== 0) throw new Error(`${name}: expected every video purged exactly once`);
  } finally {
    await db.close();
    await test.drop();
    rmSync(videoDir, { recursive: true, force: true });
  }
}

const cases: Array<[string, 'sqlite' | 'mysql', number]> = [
  ['sqlite-1', 'sqlite', 1],
  ['mysql-1', 'mysql', 1],
  ['mysql-2', 'mysql', 2],
];
const only = args.only ? new Set(args.only.split(',')) : null;
console.log(JSON.stringify({ node: process.version, cpus: os.cpus().length, batch: +args.batch, concurrency: +args.concurrency, chunk: +args.chunk }));
for (const [name, dialect, n] of cases) {
  if (only && !only.has(name)) continue;
  if (dialect === 'mysql' && !args.mysql) {
    console.log(`${name}: skipped (no --mysql URL)`);
    continue;
  }
  if (dialect === 'mysql') process.env.TEST_MYSQL_URL = args.mysql;
  await runCase(name, dialect, n);
}
