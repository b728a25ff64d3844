import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearchIndex, insertUser, insertVideo, normalizeForSearch, searchWords, type Db, type SearchIndex } from '../../src/index.js';
import { openTestDb, testDialects } from '../../src/testing/index.js';

describe('normalizeForSearch', () => {
  it.each([
    ['Café  AU\tLait', 'cafe au lait'],
    ['ÅNGSTRÖM', 'angstrom'],
    ['我的猫咪', '我的猫咪'],
    ['ｆｕｌｌ', 'full'],
  ])('%j → %j', (raw, want) => expect(normalizeForSearch(raw)).toBe(want));

  it('splits a query into distinct words, keeping every one whole', () => {
    expect(searchWords('  Cat cat  DOG ')).toEqual(['cat', 'dog']);
    expect(searchWords('a b c d e f g h i j')).toHaveLength(10);
    expect(searchWords('x'.repeat(100))).toEqual(['x'.repeat(100)]);
  });
});

describe.each(testDialects())('search index on %s', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let index: SearchIndex;
  let author: number;
  let t = 1_000;

  async function add(id: string, doc: { name: string; description?: string; tags?: string[] }, video: Record<string, unknown> = {}) {
    t += 1000;
    await insertVideo(db.kysely, {
      id,
      author_id: author,
      name: doc.name,
      display_ctime: 'x',
      create_time: t,
      deleted_at: null,
      upload_state: 'ready',
      size: 1,
      content_type: 'video/mp4',
      updated_at: t,
      ...video,
    });
    await index.put(db.kysely, { id, name: doc.name, description: doc.description ?? '', tags: doc.tags ?? [], author: 'Zoë' });
  }
  const find = async (q: string, limit = 20) => (await index.search(db.kysely, { words: searchWords(q), limit })).map((h) => h.id);

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    index = createSearchIndex(db.dialect);
    author = await insertUser(db.kysely, { user_name: 'Zoë', pwd_hash: 'h', create_time: 1 });
    await add('cat-name', { name: '我的猫咪 at home' });
    await add('cat-tag', { name: 'An evening', tags: ['猫', 'Café'] });
    await add('cat-desc', { name: 'Morning', description: 'there is a cat here, a café too' });
    await add('private', { name: 'secret cat' }, { privacy: 'private' });
    await add('unlisted', { name: 'unlisted cat' }, { privacy: 'unlisted' });
    await add('nofile', { name: 'pending cat' }, { upload_state: 'pending' });
    await add('deleted', { name: 'deleted cat' }, { deleted_at: 5 });
    await add('percent', { name: '100% real_thing' });
  });
  afterAll(async () => close?.());

  it('finds a CJK substring of one character and ranks name over tags', async () => {
    expect(await find('猫')).toEqual(['cat-name', 'cat-tag']);
  });

  it('is case- and accent-insensitive, every word must match, name over tags over description', async () => {
    expect(await find('CAFE')).toEqual(['cat-tag', 'cat-desc']);
    expect(await find('cafe cat')).toEqual(['cat-desc']);
    expect(await find('zoe evening')).toEqual(['cat-tag']);
  });

  it('shows only public, live videos that have a file', async () => {
    const hits = await find('cat', 50);
    for (const hidden of ['private', 'unlisted', 'nofile', 'deleted']) expect(hits).not.toContain(hidden);
  });

  it('treats LIKE and FTS syntax in the query as text', async () => {
    expect(await find('100%')).toEqual(['percent']);
    expect(await find('l_thing')).toEqual(['percent']);
    expect(await find('%')).toEqual(['percent']);
    expect(await find('"cat" OR name:x')).toEqual([]);
    expect(await find('_')).toEqual(['percent']);
  });

  it('pages by (score, id) without repeats or gaps', async () => {
    const all = await find('a', 50);
    const seen: string[] = [];
    let after: { score: number; id: string } | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await index.search(db.kysely, { words: ['a'], limit: 2, after });
      seen.push(...page.map((h) => h.id));
      if (page.length < 2) break;
      after = page[page.length - 1];
    }
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThan(2);
  });

  it('an edit replaces the document and a removal drops it', async () => {
    await index.put(db.kysely, { id: 'cat-desc', name: 'Morning', description: 'dogs only', tags: [], author: 'Zoë' });
    expect(await find('cafe')).toEqual(['cat-tag']);
    await index.remove(db.kysely, 'cat-tag');
    expect(await find('cafe')).toEqual([]);
  });
});
