import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createSearchIndex, insertUser, insertVideo, migrate, searchWords, transactionWithRetry, type Db, type SearchIndex } from '../../src/index.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { candidates } from '../../src/db/search/gram-index.js';
import { documentTrigrams } from '../../src/db/search/trigrams.js';
import { createTestDatabase, openTestDb, testDialects } from '../../src/testing/index.js';
import { connectDatabase } from '../../src/db/connect.js';

/**
 * The trigram bitmaps (MySQL) stay in step with the documents, and search answers from them as
 * the scan did: every document's bits are exactly its text's trigrams, after puts, edits and
 * removals. On SQLite (FTS5) the same queries run as a check of equal results.
 */
describe.each(testDialects())('search trigram index on %s', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let index: SearchIndex;
  let author: number;
  let t = 1_000;

  async function add(id: string, doc: { name: string; description?: string; tags?: string[] }, video: Record<string, unknown> = {}) {
    t += 1000;
    await insertVideo(db.kysely, { id, author_id: author, name: doc.name, display_ctime: 'x', create_time: t, deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: t, ...video });
    await index.put(db.kysely, { id, name: doc.name, description: doc.description ?? '', tags: doc.tags ?? [], author: 'Ann' });
  }
  const find = async (q: string) => (await index.search(db.kysely, { words: searchWords(q), limit: 50 })).map((h) => h.id);

  /** MySQL: for every document, the grams whose bitmap has its bit are exactly its text's trigrams. */
  async function expectGramsInStep(): Promise<void> {
    if (dialect !== 'mysql') return;
    const docs = await db.kysely.selectFrom('video_search').select(['seq', 'name', 'tags', 'description', 'author']).execute();
    const rows = await db.kysely.selectFrom('video_search_grams').select(['gram', 'chunk', 'bits']).execute();
    for (const d of docs) {
      const seq = Number(d.seq);
      const has = rows.filter((r) => Number(r.chunk) === Math.floor(seq / 2048) && (r.bits[(seq % 2048) >> 3] & (1 << (seq % 8))) !== 0);
      const want = documentTrigrams([d.name, d.tags, d.description, d.author]).map((g) => g.toString('utf8'));
      expect(has.map((r) => Buffer.from(r.gram).toString('utf8')).sort(), d.name).toEqual([...want].sort());
    }
    const seqs = new Set(docs.map((d) => Number(d.seq)));
    for (const r of rows) {
      for (let i = 0; i < r.bits.length * 8; i++) {
        if (r.bits[i >> 3] & (1 << (i & 7))) expect(seqs.has(Number(r.chunk) * 2048 + i), `stray bit ${i} of ${r.gram}`).toBe(true);
      }
    }
  }

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    index = createSearchIndex(db.dialect);
    author = await insertUser(db.kysely, { user_name: 'Ann', pwd_hash: 'h', create_time: 1 });
    await add('cjk', { name: '我的猫咪', tags: ['小猫咪们'] });
    await add('accent', { name: 'Crème Brûlée at home', description: 'river trip' });
    await add('river', { name: 'River walk', tags: ['sunset'], description: 'a guitar by the river' });
    await add('guitar', { name: 'Guitar lesson', description: 'sunset river' });
  });
  afterAll(async () => close?.());

  it('keeps the bitmaps equal to the documents through puts, edits and removals', async () => {
    await expectGramsInStep();
    await index.put(db.kysely, { id: 'river', name: 'Lake walk', description: 'a piano', tags: ['dawn'], author: 'Ann' });
    await expectGramsInStep();
    expect(await find('river')).toEqual(['guitar', 'accent']);
    expect(await find('piano lake')).toEqual(['river']);
    await index.remove(db.kysely, 'guitar');
    await expectGramsInStep();
    expect(await find('river')).toEqual(['accent']);
    await index.remove(db.kysely, 'no-such-video');
    await index.put(db.kysely, { id: 'guitar', name: 'Guitar lesson', description: 'sunset river', tags: [], author: 'Ann' });
    await expectGramsInStep();
    expect(await find('sunset river')).toEqual(['guitar']);
  });

  it('finds CJK and accented text through trigrams, and 1–2 character words through the scan', async () => {
    expect(await find('猫咪')).toEqual(['cjk']);
    expect(await find('小猫咪')).toEqual(['cjk']);
    expect(await find('猫')).toEqual(['cjk']);
    expect(await find('CREME brulee')).toEqual(['accent']);
    expect(await find('ri')).toEqual(expect.arrayContaining(['accent', 'guitar']));
    expect(await find('at crème')).toEqual(['accent']);
  });

  it('a word with no trigram hit, or trigrams present but not in a row, finds nothing', async () => {
    expect(await find('zebra')).toEqual([]);
    expect(await find('river zebra')).toEqual([]);
    // "sunriv": its trigrams sun, unr, nri, riv: unr/nri are in no document
    expect(await find('sunriv')).toEqual([]);
    // "rivet" shares riv, ive with river; "vet" is nowhere
    expect(await find('rivet')).toEqual([]);
    if (dialect === 'mysql') {
      expect(await candidates(db.kysely, ['zebra'])).toEqual([]);
      expect(await candidates(db.kysely, ['ri'])).toBeNull();
    }
  });

  it('concurrent new documents and edits in one run of seqs all commit, and the bitmaps stay in step', async () => {
    const video = (id: string) => ({ id, author_id: author, name: id, display_ctime: 'x', create_time: 9, deleted_at: null, upload_state: 'ready' as const, size: 1, content_type: 'video/mp4', updated_at: 9 });
    const writers = Array.from({ length: 10 }, (_, i) =>
      transactionWithRetry(db, async (trx) => {
        if (i % 3 === 2) return index.put(trx, { id: 'accent', name: `Crème Brûlée ${i}`, description: 'river trip', tags: [], author: 'Ann' });
        await insertVideo(trx, video(`par-${i}`));
        await index.put(trx, { id: `par-${i}`, name: `parallel walrus ${i}`, description: 'mosaic lagoon', tags: ['tundra'], author: 'Ann' });
      }),
    );
    expect((await Promise.allSettled(writers)).map((r) => r.status)).toEqual(Array(10).fill('fulfilled'));
    await expectGramsInStep();
    expect((await find('walrus lagoon')).length).toBe(7);
  });

  it('privacy, deletion and bans are applied at query time, on top of the candidates', async () => {
    await add('hidden', { name: 'quartz private' }, { privacy: 'private' });
    await add('gone', { name: 'quartz gone' }, { deleted_at: 5 });
    const banned = await insertUser(db.kysely, { user_name: 'Bad', pwd_hash: 'h', create_time: 1 });
    await add('banned', { name: 'quartz banned' }, { author_id: banned });
    await add('shown', { name: 'quartz shown' });
    expect((await find('quartz')).sort()).toEqual(['banned', 'shown']);
    await sql`update users set banned_at = 1 where id = ${banned}`.execute(db.kysely);
    expect(await find('quartz')).toEqual(['shown']);
    await sql`update video_info set privacy = 'private' where id = 'shown'`.execute(db.kysely);
    expect(await find('quartz')).toEqual([]);
  });
});

describe.each(testDialects().filter((d) => d === 'mysql'))('migration 023 on %s', (dialect) => {
  it('indexes the documents that were there before it', async () => {
    const test = await createTestDatabase(dialect);
    const db = connectDatabase(test.url);
    try {
      await migrate(db, MIGRATIONS.filter((m) => m.name < '023'));
      const author = await insertUser(db.kysely, { user_name: 'old', pwd_hash: 'h', create_time: 1 });
      for (const [id, name] of [['a', 'Older river clip'], ['b', 'older guitar clip']]) {
        await insertVideo(db.kysely, { id, author_id: author, name, display_ctime: 'x', create_time: 5, deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: 5 });
        await db.kysely.insertInto('video_search').values({ video_id: id, name: name.toLowerCase(), tags: '', description: '', author: 'old' } as never).execute();
      }
      await migrate(db);
      const index = createSearchIndex(db.dialect);
      const found = async (q: string) => (await index.search(db.kysely, { words: searchWords(q), limit: 10 })).map((h) => h.id).sort();
      expect(await found('older clip')).toEqual(['a', 'b']);
      expect(await found('river')).toEqual(['a']);
      expect(await candidates(db.kysely, ['older'])).toHaveLength(2);
    } finally {
      await db.close();
      await test.drop();
    }
  });
});
