import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * MySQL/MariaDB's substring index (SQLite has FTS5's trigram tokenizer, migration 007): each
 * document gets a dense number (seq), and video_search_grams holds, per trigram of the normalised
 * text and per run of 2,048 documents, a 256-byte bitmap of the documents that contain it. The
 * existing documents are indexed here, one run of seqs at a time (bounded memory); a failed run
 * starts over idempotently. The trigram rule is copied from search/trigrams.ts as it was when this
 * was written (a migration does not follow later code).
 */
const CHUNK_BITS = 2048;

function trigrams(text: string): string[] {
  const chars = [...text];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) {
    const gram = chars[i] + chars[i + 1] + chars[i + 2];
    if (!gram.includes(' ')) grams.add(gram);
  }
  return [...grams];
}

export const searchGrams: Migration = {
  name: '023-search-grams',
  async up(db: Kysely<any>, dialect) {
    if (dialect !== 'mysql') return;
    // MySQL 8 has no ADD COLUMN IF NOT EXISTS (MariaDB has): a rerun after a failed backfill skips it.
    const has = await sql<{ n: number | string }>`select count(*) as n from information_schema.columns
      where table_schema = database() and table_name = 'video_search' and column_name = 'seq'`.execute(db);
    if (Number(has.rows[0]?.n) === 0) await sql`alter table video_search add column seq bigint not null auto_increment unique`.execute(db);
    await sql`create table if not exists video_search_grams (
      gram varbinary(12) not null, chunk int not null, bits varbinary(256) not null, primary key (gram, chunk)
    ) engine=InnoDB`.execute(db);
    const top = await db.selectFrom('video_search').select(sql<number>`max(seq)`.as('top')).executeTakeFirst();
    for (let chunk = 0; chunk * CHUNK_BITS <= Number(top?.top ?? 0); chunk++) await indexChunk(db, chunk);
  },
};

async function indexChunk(db: Kysely<any>, chunk: number): Promise<void> {
  const docs = await db
    .selectFrom('video_search')
    .select(['seq', 'name', 'tags', 'description', 'author'])
    .where('seq', '>=', chunk * CHUNK_BITS)
    .where('seq', '<', (chunk + 1) * CHUNK_BITS)
    .execute();
  const maps = new Map<string, Buffer>();
  for (const d of docs) {
    const offset = Number(d.seq) % CHUNK_BITS;
    for (const g of new Set([d.name, d.tags, d.description, d.author].flatMap(trigrams))) {
      if (!maps.has(g)) maps.set(g, Buffer.alloc(CHUNK_BITS / 8));
      maps.get(g)![offset >> 3] |= 1 << (offset & 7);
    }
  }
  const rows = [...maps].map(([g, bits]) => ({ gram: Buffer.from(g, 'utf8'), chunk, bits }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('video_search_grams')
      .values(rows.slice(i, i + 500))
      .onDuplicateKeyUpdate({ bits: sql`values(bits)` })
      .execute();
  }
}
