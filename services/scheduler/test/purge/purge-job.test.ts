import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, findAnyVideo, findDelRec, insertDelRec, newGeneration, videoMediaDir, type Db } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { backoffMs, createPurgeJob } from '../../src/purge/purge-job.js';
import { VIDEO_CHILD_TABLES } from '../../src/purge/purge-repository.js';
import { count, jobContext, seedUser, seedVideos } from '../helper.js';

const live = () => new AbortController().signal;
type Job = ReturnType<typeof createPurgeJob>;
/** One run's counts. */
const runOnce = async (job: Job, signal = live()) => (await job.run(signal)).counts;

describe.each(testDialects())('purge job (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let testUrl: string;
  let authorId: number;

  beforeAll(async () => {
    let test;
    ({ db, close, test } = await openTestDb(dialect));
    testUrl = test.url;
    authorId = await seedUser(db);
  });
  afterAll(async () => close?.());

  async function clearQueue() {
    await db.kysely.deleteFrom('video_del_rec').execute();
  }

  it('removes each file, its comments, its row, then its record', async () => {
    await clearQueue();
    const ctx = jobContext(db, { scheduler_batch: 7 });
    const ids = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 20, prefix: 'a', comments: 2 });
    const kept = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 2, prefix: 'keep', deleted: false, comments: 1 });
    const job = createPurgeJob(ctx, { chunkSize: 3 });
    expect(await runOnce(job)).toMatchObject({ claimed: 20, purged: 20, failed: 0 });
    for (const id of ids) {
      expect(existsSync(path.join(ctx.config.video_dir, id))).toBe(false);
      expect(await findAnyVideo(db.kysely, id)).toBeUndefined();
      expect(await findDelRec(db.kysely, id)).toBeUndefined();
    }
    const comments = await db.kysely.selectFrom('comments').select('video_id').where('video_id', 'in', [...ids, ...kept]).execute();
    expect(comments.map((c) => c.video_id).sort()).toEqual(kept);
    for (const id of kept) expect(existsSync(path.join(ctx.config.video_dir, id))).toBe(true);
    expect(await runOnce(job)).toMatchObject({ claimed: 0, purged: 0 });
  });

  it('removes a video\'s derived files (every generation, unfinished ones too) with its original', async () => {
    await clearQueue();
    const ctx = jobContext(db);
    const [id] = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'media' });
    const [kept] = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'mediakeep', deleted: false });
    for (const v of [id, kept]) {
      for (const gen of [newGeneration(), `.tmp-${newGeneration()}`]) {
        mkdirSync(path.join(videoMediaDir(ctx.config.video_dir, v), gen, 'sub'), { recursive: true });
        writeFileSync(path.join(videoMediaDir(ctx.config.video_dir, v), gen, 'poster.jpg'), 'jpeg');
      }
    }
    expect(await runOnce(createPurgeJob(ctx))).toMatchObject({ claimed: 1, purged: 1, failed: 0 });
    expect(existsSync(videoMediaDir(ctx.config.video_dir, id))).toBe(false);
    expect(existsSync(path.join(ctx.config.video_dir, id))).toBe(false);
    expect(readdirSync(videoMediaDir(ctx.config.video_dir, kept))).toHaveLength(2);
  });

  it('counts a missing file as removed', async () => {
    await clearQueue();
    const ctx = jobContext(db);
    const [id] = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'missing' });
    await unlink(path.join(ctx.config.video_dir, id));
    expect(await runOnce(createPurgeJob(ctx))).toMatchObject({ claimed: 1, purged: 1, failed: 0 });
    expect(await findAnyVideo(db.kysely, id)).toBeUndefined();
  });

  it('keeps the record of a file it cannot remove, with the attempt, the error and a back-off; the rest of the batch goes on', async () => {
    await clearQueue();
    const ctx = jobContext(db);
    const ids = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 3, prefix: 'stuck', comments: 1 });
    // A non-empty directory in the file's place: unlink fails (EISDIR/EPERM) even for root.
    const stuck = path.join(ctx.config.video_dir, ids[0]);
    await unlink(stuck);
    mkdirSync(stuck);
    writeFileSync(path.join(stuck, 'inner'), 'x');
    const before = Date.now();
    const job = createPurgeJob(ctx, { backoffBaseMs: 60_000 });
    expect(await runOnce(job)).toMatchObject({ claimed: 3, purged: 2, failed: 1 });
    const rec = await findDelRec(db.kysely, ids[0]);
    expect(rec).toMatchObject({ attempts: 1, claimed_by: null, claimed_until: 0 });
    expect(rec?.last_error).toMatch(/EISDIR|EPERM/);
    expect(rec?.next_attempt_at).toBeGreaterThanOrEqual(before + 60_000);
    expect(await findAnyVideo(db.kysely, ids[0])).toBeDefined();
    expect(await db.kysely.selectFrom('comments').select('id').where('video_id', '=', ids[0]).execute()).toHaveLength(1);
    expect(existsSync(stuck)).toBe(true);
    // Backing off: the next run leaves it alone.
    expect(await runOnce(job)).toMatchObject({ claimed: 0 });
    // Once due and removable it goes, and a second failure doubles the wait.
    await db.kysely.updateTable('video_del_rec').set({ next_attempt_at: 0 }).where('video_id', '=', ids[0]).execute();
    expect(await runOnce(job)).toMatchObject({ claimed: 1, failed: 1 });
    const again = await findDelRec(db.kysely, ids[0]);
    expect(again?.attempts).toBe(2);
    expect(again!.next_attempt_at).toBeGreaterThanOrEqual(Date.now() + 110_000);
    await unlink(path.join(stuck, 'inner'));
    await db.kysely.updateTable('video_del_rec').set({ next_attempt_at: 0 }).where('video_id', '=', ids[0]).execute();
    // An empty directory: unlink still fails (EISDIR), so it stays; a real file would be gone.
    expect(await runOnce(job)).toMatchObject({ failed: 1 });
  });

  it('never touches the disk for an id outside [A-Za-z0-9_-]', async () => {
    await clearQueue();
    const ctx = jobContext(db);
    await insertDelRec(db.kysely, '../escape', Date.now());
    const touched: string[] = [];
    const job = createPurgeJob(ctx, { unlinkFile: async (f) => void touched.push(f) });
    expect(await runOnce(job)).toMatchObject({ claimed: 1, failed: 1, purged: 0 });
    expect(touched).toEqual([]);
    expect((await findDelRec(db.kysely, '../escape'))?.last_error).toMatch(/safe file name/);
    await clearQueue();
  });

  it('skips records under another live lease, and takes them once the lease has run out', async () => {
    await clearQueue();
    const ctx = jobContext(db);
    const ids = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 2, prefix: 'leased' });
    await db.kysely
      .updateTable('video_del_rec')
      .set({ claimed_by: 'other-instance', claimed_until: Date.now() + 60_000 })
      .where('video_id', '=', ids[0])
      .execute();
    await db.kysely
      .updateTable('video_del_rec')
      .set({ claimed_by: 'dead-instance', claimed_until: Date.now() - 1 })
      .where('video_id', '=', ids[1])
      .execute();
    const purged: string[] = [];
    const job = createPurgeJob(ctx, { onPurged: (p) => purged.push(...p) });
    expect(await runOnce(job)).toMatchObject({ claimed: 1, purged: 1 });
    expect(purged).toEqual([ids[1]]);
    expect(await findDelRec(db.kysely, ids[0])).toMatchObject({ claimed_by: 'other-instance' });
    expect(existsSync(path.join(ctx.config.video_dir, ids[0]))).toBe(true);
  });

  it('leaves the rows of a record whose claim was taken over mid-run to the new holder', async () => {
    await clearQueue();
    const ctx = jobContext(db);
    const [id] = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'taken' });
    const job = createPurgeJob(ctx, {
      unlinkFile: async (f) => {
        await unlink(f);
        // Another instance took the record over after our lease ran out.
        await db.kysely.updateTable('video_del_rec').set({ claimed_by: 'usurper', claimed_until: Date.now() + 60_000 }).execute();
      },
    });
    expect(await runOnce(job)).toMatchObject({ claimed: 1, purged: 0, lost: 1 });
    expect(await findDelRec(db.kysely, id)).toMatchObject({ claimed_by: 'usurper' });
    expect(await findAnyVideo(db.kysely, id)).toBeDefined();
  });

  it('when stopped, claims nothing more and gives back what it holds', async () => {
    await clearQueue();
    const ctx = jobContext(db, { scheduler_batch: 10 });
    await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 30, prefix: 'stop' });
    const abort = new AbortController();
    let calls = 0;
    const job = createPurgeJob(ctx, {
      chunkSize: 5,
      concurrency: 1,
      unlinkFile: async (f) => {
        if (++calls === 3) abort.abort();
        await unlink(f);
      },
    });
    const { counts } = await job.run(abort.signal);
    // The chunk in hand is finished; whatever the dispatcher had claimed ahead is handed back.
    expect(counts.purged).toBe(5);
    expect(counts.claimed).toBeGreaterThanOrEqual(10);
    expect(counts.released).toBe(counts.claimed - 5);
    await job.close?.();
    expect(await count(db, 'video_del_rec')).toBe(25);
    const held = await db.kysely.selectFrom('video_del_rec').select('video_id').where('claimed_by', 'is not', null).execute();
    expect(held).toEqual([]);
    await createPurgeJob(ctx).run(live());
    expect(await count(db, 'video_del_rec')).toBe(0);
  });

  it('claims made within one millisecond never read back each other\'s records', async () => {
    await clearQueue();
    const ctx = jobContext(db, { scheduler_batch: 5 });
    await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 23, prefix: 'samems' });
    const frozen = Date.now();
    const seen = new Map<string, number>();
    const job = createPurgeJob(ctx, {
      now: () => frozen,
      chunkSize: 2,
      unlinkFile: async (f) => {
        seen.set(path.basename(f), (seen.get(path.basename(f)) ?? 0) + 1);
        await unlink(f);
      },
    });
    expect(await runOnce(job)).toMatchObject({ claimed: 23, purged: 23, lost: 0 });
    expect(seen.size).toBe(23);
    expect(Math.max(...seen.values())).toBe(1);
  });

  it('also purges the rows of every table in VIDEO_CHILD_TABLES (danmaku)', async () => {
    await clearQueue();
    expect(VIDEO_CHILD_TABLES).toContain('danmaku');
    const ctx = jobContext(db);
    const ids = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 2, prefix: 'refs' });
    const other = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'refslive', deleted: false });
    for (const [i, id] of [...ids, ...other].entries()) {
      await db.kysely
        .insertInto('danmaku')
        .values({ id: `dm${i}-${id}`.slice(0, 36), video_id: id, author_id: authorId, time: i, type: 0, color: 0xffffff, text: 'hi', create_time: 1 })
        .execute();
    }
    await createPurgeJob(ctx).run(live());
    const left = await db.kysely.selectFrom('danmaku').select('video_id').where('video_id', 'in', [...ids, ...other]).execute();
    expect(left.map((r) => r.video_id)).toEqual(other);
  });

  it("also purges a video's tags, ratings, view rows and search document", async () => {
    await clearQueue();
    const ctx = jobContext(db);
    const [gone] = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'pub' });
    const [kept] = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1, prefix: 'publive', deleted: false });
    for (const id of [gone, kept]) {
      await db.kysely.insertInto('video_tags').values({ video_id: id, tag: 'cats' }).execute();
      await db.kysely.insertInto('video_ratings').values({ user_id: authorId, video_id: id, value: 1, time: 1 }).execute();
      await db.kysely.insertInto('video_view_reports').values({ video_id: id, viewer: 'a:1', first_at: 1, counted_at: null }).execute();
      await db.kysely.insertInto('video_views_daily').values({ video_id: id, day: 1, views: 3 }).execute();
      await db.kysely.insertInto('video_search').values({ video_id: id, name: 'n', tags: '', description: '', author: 'a' }).execute();
    }
    await createPurgeJob(ctx).run(live());
    for (const table of ['video_tags', 'video_ratings', 'video_view_reports', 'video_views_daily', 'video_search'] as const) {
      const left = await db.kysely.selectFrom(table).select('video_id').where('video_id', 'in', [gone, kept]).execute();
      expect(left.map((r) => r.video_id), table).toEqual([kept]);
    }
  });

  it('two instances purge 1,000 records together, none twice', async () => {
    await clearQueue();
    const ctx = jobContext(db, { scheduler_batch: 50 });
    const ids = await seedVideos(db, { authorId, videoDir: ctx.config.video_dir, count: 1000, prefix: 'pair' });
    const unlinks = new Map<string, number>();
    const deletions = new Map<string, number>();
    const perInstance = [0, 0];
    const makeJob = (i: number, jobDb: Db) =>
      createPurgeJob(
        { ...ctx, db: jobDb },
        {
          chunkSize: 10,
          unlinkFile: async (f) => {
            const id = path.basename(f);
            unlinks.set(id, (unlinks.get(id) ?? 0) + 1);
            await unlink(f);
          },
          onPurged: (p) => {
            perInstance[i] += p.length;
            for (const id of p) deletions.set(id, (deletions.get(id) ?? 0) + 1);
          },
        },
      );
    // The second instance on its own connection (pool), as a second process would be.
    const second = connectDatabase(testUrl);
    try {
      const jobs = [makeJob(0, db), makeJob(1, second)];
      const deadline = Date.now() + 60_000;
      await Promise.all(
        jobs.map(async (job) => {
          // Small runs so the two interleave many times.
          while (Date.now() < deadline) {
            if ((await runOnce(job)).claimed === 0) break;
          }
        }),
      );
    } finally {
      await second.close();
    }
    expect(await count(db, 'video_del_rec')).toBe(0);
    expect(deletions.size).toBe(1000);
    expect(Math.max(...deletions.values())).toBe(1);
    expect(unlinks.size).toBe(1000);
    expect(Math.max(...unlinks.values())).toBe(1);
    expect(perInstance[0] + perInstance[1]).toBe(1000);
    for (const id of ids.slice(0, 50)) expect(existsSync(path.join(ctx.config.video_dir, id))).toBe(false);
  });
});

it('back-off doubles per attempt and is capped', () => {
  expect([1, 2, 3, 4].map((a) => backoffMs(a, 1000, 5000))).toEqual([1000, 2000, 4000, 5000]);
  expect(backoffMs(100, 1000, 3_600_000)).toBe(3_600_000);
});
