import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDatabase,
  displayCtime,
  findProcessing,
  insertUser,
  insertVideo,
  markVideoUploaded,
  migrate,
  queueProcessing,
  softDeleteVideo,
  type Db,
} from '../../src/index.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../src/testing/index.js';

const video = (id: string, authorId: number, t: number) => ({
  id,
  author_id: authorId,
  name: `video ${id}`,
  display_ctime: displayCtime(t),
  create_time: t,
  deleted_at: null,
  upload_state: 'pending' as const,
  size: null,
  content_type: null,
  updated_at: t,
});

const taskOf = (db: Db, id: string) => db.kysely.selectFrom('video_tasks').selectAll().where('video_id', '=', id).execute();

describe.each(testDialects())('processing tasks on %s', (dialect) => {
  let test: TestDatabase;
  let db: Db;
  let uid: number;

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    db = connectDatabase(test.url);
    // Up to the public site first: the media migration must queue the files that already exist.
    await migrate(db, MIGRATIONS.filter((m) => m.name < '008'));
    uid = await insertUser(db.kysely, { user_name: 'media', pwd_hash: 'h', create_time: 1 });
    await insertVideo(db.kysely, video('old-ready', uid, 1000));
    await insertVideo(db.kysely, video('old-pending', uid, 1000));
    await insertVideo(db.kysely, video('old-deleted', uid, 1000));
    await db.kysely.updateTable('video_info').set({ upload_state: 'ready', size: 1 }).where('id', 'in', ['old-ready', 'old-deleted']).execute();
    await db.kysely.updateTable('video_info').set({ deleted_at: 2000 }).where('id', '=', 'old-deleted').execute();
    expect(await migrate(db)).toEqual(MIGRATIONS.filter((m) => m.name >= '008').map((m) => m.name));
  });
  afterAll(async () => {
    await db?.close();
    await test?.drop();
  });

  it('the migration queues every live video that already has a file, and no other', async () => {
    expect(await findProcessing(db.kysely, 'old-ready')).toEqual({ state: 'queued', progress: 0, error: null });
    expect(await findProcessing(db.kysely, 'old-pending')).toBeNull();
    expect(await findProcessing(db.kysely, 'old-deleted')).toBeNull();
  });

  it('marking an upload ready queues its task in the same write; a deleted video gets neither', async () => {
    await insertVideo(db.kysely, video('fresh', uid, 3000));
    expect(await findProcessing(db.kysely, 'fresh')).toBeNull();
    expect(await markVideoUploaded(db.kysely, 'fresh', { size: 9, content_type: 'video/mp4' }, 4000)).toBe(true);
    const [task] = await taskOf(db, 'fresh');
    expect(task).toMatchObject({ kind: 'process', state: 'queued', seq: 1, attempts: 0, claimed_by: null, progress: 0 });
    expect(Number(task.next_attempt_at)).toBe(4000);

    await insertVideo(db.kysely, video('gone', uid, 3000));
    await softDeleteVideo(db.kysely, 'gone', uid, 3500);
    expect(await markVideoUploaded(db.kysely, 'gone', { size: 9, content_type: 'video/mp4' }, 4000)).toBe(false);
    expect(await taskOf(db, 'gone')).toEqual([]);
  });

  it('a re-upload resets the task: queued again, attempts and lease cleared, seq bumped', async () => {
    await insertVideo(db.kysely, video('again', uid, 3000));
    await markVideoUploaded(db.kysely, 'again', { size: 9, content_type: 'video/mp4' }, 4000);
    await db.kysely
      .updateTable('video_tasks')
      .set({ state: 'failed', attempts: 3, claimed_by: 'sched-1', claimed_until: 99_999, progress: 40, last_error: 'boom' })
      .where('video_id', '=', 'again')
      .execute();
    expect(await findProcessing(db.kysely, 'again')).toEqual({ state: 'failed', progress: 40, error: 'boom' });
    await markVideoUploaded(db.kysely, 'again', { size: 10, content_type: 'video/mp4' }, 5000);
    const [task] = await taskOf(db, 'again');
    expect(task).toMatchObject({ state: 'queued', seq: 2, attempts: 0, claimed_by: null, progress: 0, last_error: null });
    expect(Number(task.claimed_until)).toBe(0);
  });

  it('concurrent queues of one video leave exactly one row and never fail', async () => {
    await insertVideo(db.kysely, video('race', uid, 3000));
    await Promise.all(Array.from({ length: 8 }, (_, i) => queueProcessing(db.kysely, 'race', 6000 + i)));
    const rows = await taskOf(db, 'race');
    expect(rows).toHaveLength(1);
    expect(rows[0].state).toBe('queued');
  });

  it('files of different new videos stored at the same moment all get their task (no deadlock on MySQL)', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `0190000${i.toString(16).padStart(2, '0')}-burst`);
    for (const [i, id] of ids.entries()) await insertVideo(db.kysely, video(id, uid, 7000 + i));
    const stored = await Promise.all(ids.map((id, i) => markVideoUploaded(db.kysely, id, { size: 1, content_type: 'video/mp4' }, 8000 + i)));
    expect(stored).toEqual(ids.map(() => true));
    for (const id of ids) expect((await taskOf(db, id)).map((r) => r.state)).toEqual(['queued']);
  });

  it('done reads as 100 and carries no error', async () => {
    await db.kysely.updateTable('video_tasks').set({ state: 'done', progress: 97, last_error: 'an earlier try' }).where('video_id', '=', 'fresh').execute();
    expect(await findProcessing(db.kysely, 'fresh')).toEqual({ state: 'done', progress: 100, error: null });
  });
});
