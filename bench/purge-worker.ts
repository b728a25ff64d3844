/**
 * One purge "instance" for bench/purge.ts: connects, reports ready, waits for "go" on stdin, then
 * runs the purge job back to back until a run claims nothing, and prints what it purged.
 */
import pino from 'pino';
import { connectDatabase, loadConfig } from '@video/shared';
import { createPurgeJob } from '../services/scheduler/src/purge/purge-job.js';
import type { JobContext } from '../services/scheduler/src/jobs/job.js';

const [url, videoDir, batch, concurrency, chunk] = process.argv.slice(2);
const config = loadConfig({ env: {}, file: null, overrides: { database_url: url, video_dir: videoDir, scheduler_batch: Number(batch) } });
const db = connectDatabase(config.database_url);
const log = pino({ level: 'warn' }) as unknown as JobContext['log'];
const job = createPurgeJob({ db, log, config }, { concurrency: Number(concurrency), chunkSize: Number(chunk) });
await db.kysely.selectFrom('video_del_rec').select('video_id').limit(1).execute();
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const started = performance.now();
let purged = 0;
let failed = 0;
let runs = 0;
for (;;) {
  const { counts } = await job.run(new AbortController().signal);
  runs++;
  purged += counts.purged;
  failed += counts.failed + counts.errors;
  if (counts.claimed === 0) break;
}
process.stdout.write(`${JSON.stringify({ purged, failed, runs, ms: Math.round(performance.now() - started) })}\n`);
await db.close();
