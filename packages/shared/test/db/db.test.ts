import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDatabase,
  deleteComment,
  deleteDelRec,
  deleteExpiredSessions,
  deleteSession,
  deleteVideoRow,
  displayCtime,
  findAnyVideo,
  findComment,
  findDelRec,
  findLiveSession,
  findLiveVideo,
  findUserById,
  findUserByName,
  insertDelRec,
  insertSession,
  insertUser,
  insertVideo,
  isUniqueViolation,
  markVideoUploaded,
  migrate,
  registry,
  softDeleteVideo,
  keysetPage,
  type Db,
  type PageQuery,
} from '../../src/index.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../src/testing/index.js';

const ALL = MIGRATIONS.map((m) => m.name);

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

describe.each(testDialects())('data layer on %s', (dialect) => {
  let test: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    db = connectDatabase(test.url);
  });
  afterAll(async () => {
    await db?.close();
    await test?.drop();
  });

  it('migrates, and a second run applies nothing', async () => {
    expect(await migrate(db)).toEqual(ALL);
    expect(ALL[0]).toBe('001-initial');
    expect(await migrate(db)).toEqual([]);
  });

  it('users: insert, find, unique names (exact, any script)', async () => {
    const id = await insertUser(db.kysely, { user_name: '张三', pwd_hash: 'h', create_time: 1 });
    expect(id).toBeGreaterThan(0);
    expect((await findUserByName(db.kysely, '张三'))?.id).toBe(id);
    expect((await findUserById(db.kysely, id))?.user_name).toBe('张三');
    const err = await insertUser(db.kysely, { user_name: '张三', pwd_hash: 'x', create_time: 2 }).catch((e) => e);
    expect(isUniqueViolation(err)).toBe(true);
    // Names compare exactly on both databases.
    const other = await insertUser(db.kysely, { user_name: 'Alice', pwd_hash: 'h', create_time: 1 });
    const lower = await insertUser(db.kysely, { user_name: 'alice', pwd_hash: 'h', create_time: 1 });
    expect(lower).not.toBe(other);
  });

  it('sessions: live lookup honours expiry; delete; sweep', async () => {
    const uid = await insertUser(db.kysely, { user_name: 'sess', pwd_hash: 'h', create_time: 1 });
    await insertSession(db.kysely, { id: 's-live', user_id: uid, create_time: 1, expires_at: 10_000 });
    await insertSession(db.kysely, { id: 's-old', user_id: uid, create_time: 1, expires_at: 100 });
    expect(await findLiveSession(db.kysely, 's-live', 5_000)).toMatchObject({ user_id: uid, user_name: 'sess' });
    expect(await findLiveSession(db.kysely, 's-old', 5_000)).toBeUndefined();
    expect(await deleteExpiredSessions(db.kysely, 5_000, 100)).toBe(1);
    expect(await deleteSession(db.kysely, 's-live')).toBe(true);
    expect(await deleteSession(db.kysely, 's-live')).toBe(false);
  });

  // keysetPage over a plain query: the helper every list uses.
  const liveByAuthor = (authorId: number, page: PageQuery) =>
    keysetPage(
      db.kysely.selectFrom('video_info').selectAll().where('author_id', '=', authorId).where('deleted_at', 'is', null),
      'create_time',
      'id',
      page,
    ).execute();

  it('videos: keyset pages, soft delete, upload state, purge', async () => {
    const uid = await insertUser(db.kysely, { user_name: 'vids', pwd_hash: 'h', create_time: 1 });
    // Two share a timestamp: the id breaks the tie, so no page repeats or skips one.
    for (const [id, t] of [['a', 1000], ['b', 2000], ['c', 2000], ['d', 3000], ['e', 4000]] as const) {
      await insertVideo(db.kysely, video(id, uid, t));
    }
    const seen: string[] = [];
    let before: { time: number; id: string } | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await liveByAuthor(uid, { limit: 2, before });
      seen.push(...page.map((v) => v.id));
      if (page.length < 2) break;
      before = { time: page[1].create_time, id: page[1].id };
    }
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
    const window = await liveByAuthor(uid, { limit: 50, fromMs: 1000, toMs: 3000 });
    expect(window.map((v) => v.id)).toEqual(['d', 'c', 'b']);

    expect(await markVideoUploaded(db.kysely, 'a', { size: 42, content_type: 'video/mp4' }, 5000)).toBe(true);
    expect(await findLiveVideo(db.kysely, 'a')).toMatchObject({ upload_state: 'ready', size: 42 });

    expect(await softDeleteVideo(db.kysely, 'a', uid + 999, 6000)).toBe(false);
    expect(await softDeleteVideo(db.kysely, 'a', uid, 6000)).toBe(true);
    expect(await softDeleteVideo(db.kysely, 'a', uid, 6000)).toBe(false);
    expect(await findLiveVideo(db.kysely, 'a')).toBeUndefined();
    expect((await findAnyVideo(db.kysely, 'a'))?.deleted_at).toBe(6000);
    expect((await liveByAuthor(uid, { limit: 50 })).map((v) => v.id)).not.toContain('a');
    await deleteVideoRow(db.kysely, 'a');
    expect(await findAnyVideo(db.kysely, 'a')).toBeUndefined();
  });

  it('comments: find and delete', async () => {
    const uid = await insertUser(db.kysely, { user_name: 'commenter', pwd_hash: 'h', create_time: 1 });
    await insertVideo(db.kysely, video('cv', uid, 1));
    for (let i = 0; i < 3; i++) {
      await db.kysely.insertInto('comments').values({ id: `c${i}`, video_id: 'cv', author_id: uid, content: `hi ${i} 😀`, time: 100 + i }).execute();
    }
    expect(await findComment(db.kysely, 'c0')).toMatchObject({ video_id: 'cv', content: 'hi 0 😀' });
    expect(await deleteComment(db.kysely, 'c0')).toBe(true);
    expect(await deleteComment(db.kysely, 'c0')).toBe(false);
  });

  it('video_del_rec: idempotent insert and delete', async () => {
    await insertDelRec(db.kysely, 'gone', 1);
    await insertDelRec(db.kysely, 'gone', 2);
    expect(await findDelRec(db.kysely, 'gone')).toMatchObject({ video_id: 'gone', create_time: 1, attempts: 0 });
    await deleteDelRec(db.kysely, 'gone');
    expect(await findDelRec(db.kysely, 'gone')).toBeUndefined();
  });

  it('a failed transaction leaves nothing behind', async () => {
    const uid = await insertUser(db.kysely, { user_name: 'tx', pwd_hash: 'h', create_time: 1 });
    await insertVideo(db.kysely, video('tx1', uid, 1));
    const err = await db.kysely
      .transaction()
      .execute(async (trx) => {
        expect(await softDeleteVideo(trx, 'tx1', uid, 9)).toBe(true);
        await insertDelRec(trx, 'tx1', 9);
        throw new Error('boom');
      })
      .catch((e) => e);
    expect(err.message).toBe('boom');
    expect((await findLiveVideo(db.kysely, 'tx1'))?.deleted_at).toBeNull();
    expect(await findDelRec(db.kysely, 'tx1')).toBeUndefined();
  });

  it('reports its pool to the db_pool_connections gauge (MySQL)', async () => {
    const text = await registry.getSingleMetricAsString('db_pool_connections');
    if (dialect === 'mysql') expect(text).toMatch(/db_pool_connections\{state="open"\} [1-9]/);
    else expect(text).toMatch(/db_pool_connections\{state="open"\} 0/);
  });

  it('stores and returns long and odd strings unchanged', async () => {
    const uid = await insertUser(db.kysely, { user_name: 'odd', pwd_hash: 'h', create_time: 1 });
    const name = `${'名'.repeat(200)}'; drop table users; -- \u0000 𝔘𝔫𝔦`;
    await insertVideo(db.kysely, { ...video('odd', uid, 1), name: name.slice(0, 256) });
    expect((await findLiveVideo(db.kysely, 'odd'))?.name).toBe(name.slice(0, 256));
  });
});

describe.each(testDialects())('concurrent migration on %s', (dialect) => {
  let test: TestDatabase;
  afterAll(async () => test?.drop());

  it('four processes migrating one fresh database at once all succeed, applying it once', async () => {
    test = await createTestDatabase(dialect);
    const script = path.join(__dirname, '..', 'fixtures', 'migrate-once.ts');
    const tsx = path.resolve(__dirname, '../../../../node_modules/.bin/tsx');
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(tsx, [script, test.url], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
          child.on('exit', (code) => {
            clearTimeout(timer);
            resolve({ code, out });
          });
        }),
      ),
    );
    for (const r of runs) expect(r.code, r.out).toBe(0);
    const applied = runs.map((r) => JSON.parse(r.out.trim().split('\n').pop()!) as string[]);
    expect(applied.flat()).toEqual(ALL);
    const db = connectDatabase(test.url);
    try {
      const rows = await db.kysely.selectFrom('schema_migrations').selectAll().execute();
      expect(rows.map((r) => r.name).sort()).toEqual(ALL);
    } finally {
      await db.close();
    }
  }, 60_000);
});
