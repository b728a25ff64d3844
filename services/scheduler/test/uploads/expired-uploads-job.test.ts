import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Upload } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUpload, insertVideo, tusStoreDir, tusUploadFiles, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { createExpiredUploadsJob } from '../../src/uploads/expired-uploads-job.js';
import type { JobRunSummary } from '../../src/jobs/job.js';
import { jobContext, seedUser } from '../helper.js';

const HOUR = 3600_000;
/** One run of the job, its summary required. */
async function runOnce(job: { run(signal: AbortSignal): Promise<JobRunSummary | void> }): Promise<JobRunSummary> {
  const summary = await job.run(new AbortController().signal);
  if (!summary) throw new Error('the job returned no summary');
  return summary;
}

describe.each(testDialects())('expired uploads job (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
  });
  afterAll(async () => close?.());

  /** An upload as the stream server leaves it: a row, and the tus file store's data and info files. */
  async function seedUpload(ctx: ReturnType<typeof jobContext>, id: string, o: { createdAt: number; state?: 'active' | 'done'; bytes?: number }) {
    const userId = await seedUser(db);
    const videoId = `vid-${id}`;
    await insertVideo(db.kysely, {
      id: videoId,
      author_id: userId,
      name: 'clip',
      display_ctime: 'Jan 02 2006, 15:04:05',
      create_time: o.createdAt,
      deleted_at: null,
      upload_state: 'pending',
      size: null,
      content_type: null,
      updated_at: o.createdAt,
    });
    await insertUpload(db.kysely, {
      id,
      video_id: videoId,
      user_id: userId,
      size: 1000,
      state: o.state ?? 'active',
      create_time: o.createdAt,
      expires_at: o.createdAt + 24 * HOUR,
    });
    if (o.state === 'done') return;
    const store = new FileStore({ directory: tusStoreDir(ctx.config.video_dir), expirationPeriodInMilliseconds: 24 * HOUR });
    await store.create(new Upload({ id, size: 1000, offset: 0, creation_date: new Date(o.createdAt).toISOString() }));
    await store.write(Readable.from([Buffer.alloc(o.bytes ?? 400, 7)]), id, 0);
  }

  const rows = async () => (await db.kysely.selectFrom('uploads').select('id').orderBy('id').execute()).map((r) => r.id);

  it('deletes uploads 24 h (+ grace) after creation — bytes, info file and row — and keeps the rest', async () => {
    const ctx = jobContext(db);
    const now = Date.now();
    const old = 'a'.repeat(32);
    const inGrace = 'b'.repeat(32);
    const live = 'c'.repeat(32);
    const done = 'd'.repeat(32);
    await seedUpload(ctx, old, { createdAt: now - 25 * HOUR });
    await seedUpload(ctx, inGrace, { createdAt: now - 24 * HOUR - 60_000 });
    await seedUpload(ctx, live, { createdAt: now - HOUR });
    await seedUpload(ctx, done, { createdAt: now - 25 * HOUR, state: 'done' });
    const dir = tusStoreDir(ctx.config.video_dir);
    expect(readdirSync(dir).sort()).toEqual([old, `${old}.json`, inGrace, `${inGrace}.json`, live, `${live}.json`].sort());

    const summary = await runOnce(createExpiredUploadsJob(ctx, { now: () => now }));
    expect(summary.counts).toMatchObject({ purged: 2, failed: 0 });
    expect(await rows()).toEqual([inGrace, live]);
    expect(readdirSync(dir).sort()).toEqual([inGrace, `${inGrace}.json`, live, `${live}.json`].sort());

    // An injected clock a day later: the rest expires too.
    await runOnce(createExpiredUploadsJob(ctx, { now: () => now + 25 * HOUR }));
    expect(await rows()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('works through more expired uploads than one batch', async () => {
    const ctx = jobContext(db);
    const now = Date.now();
    const ids = Array.from({ length: 7 }, (_, i) => `e${String(i).padStart(31, '0')}`);
    for (const id of ids) await seedUpload(ctx, id, { createdAt: now - 30 * HOUR, bytes: 10 });
    const summary = await runOnce(createExpiredUploadsJob(ctx, { now: () => now, batch: 3 }));
    expect(summary.counts.purged).toBe(7);
    expect(await rows()).toEqual([]);
    expect(readdirSync(tusStoreDir(ctx.config.video_dir))).toEqual([]);
  });

  it('removes unfinished uploads whose video was deleted (after the grace) or is gone', async () => {
    const ctx = jobContext(db);
    const now = Date.now();
    const deletedLong = '1'.repeat(32);
    const deletedJust = '2'.repeat(32);
    const gone = '3'.repeat(32);
    for (const id of [deletedLong, deletedJust, gone]) await seedUpload(ctx, id, { createdAt: now - HOUR });
    const vid = (id: string) => `vid-${id}`;
    await db.kysely.updateTable('video_info').set({ deleted_at: now - 10 * 60_000 }).where('id', '=', vid(deletedLong)).execute();
    await db.kysely.updateTable('video_info').set({ deleted_at: now - 60_000 }).where('id', '=', vid(deletedJust)).execute();
    await db.kysely.deleteFrom('video_info').where('id', '=', vid(gone)).execute();
    const summary = await runOnce(createExpiredUploadsJob(ctx, { now: () => now }));
    expect(summary.counts.purged).toBe(2);
    expect(await rows()).toEqual([deletedJust]);
    expect(readdirSync(tusStoreDir(ctx.config.video_dir)).sort()).toEqual([deletedJust, `${deletedJust}.json`]);
    await db.kysely.deleteFrom('uploads').execute();
  });

  it('removes old files without a row, never recent ones or foreign names', async () => {
    const ctx = jobContext(db);
    const dir = tusStoreDir(ctx.config.video_dir);
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    const orphan = tusUploadFiles(ctx.config.video_dir, 'f'.repeat(32));
    const fresh = tusUploadFiles(ctx.config.video_dir, '9'.repeat(32));
    for (const f of [orphan.data, orphan.info, fresh.data, fresh.info]) writeFileSync(f, 'x');
    for (const f of [orphan.data, orphan.info]) utimesSync(f, new Date(now - 30 * HOUR), new Date(now - 30 * HOUR));
    writeFileSync(`${dir}/notes.txt`, 'not an upload');
    const summary = await runOnce(createExpiredUploadsJob(ctx, { now: () => now }));
    expect(summary.counts.orphans).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['9'.repeat(32), `${'9'.repeat(32)}.json`, 'notes.txt'].sort());
  });

  it('does nothing when the store directory does not exist yet', async () => {
    const ctx = jobContext(db);
    const summary = await runOnce(createExpiredUploadsJob(ctx));
    expect(summary.counts).toEqual({ purged: 0, orphans: 0, failed: 0 });
  });
});
