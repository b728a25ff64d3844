import { sql } from 'kysely';
import type { Executor } from '../repositories/executor.js';
import { CHUNK_BITS, bitOf, documentTrigrams, trigramsOf } from './trigrams.js';

/**
 * MySQL/MariaDB's substring index: video_search_grams (migration 023) holds, per trigram and per
 * run of CHUNK_BITS documents, a bitmap of the documents (video_search.seq) that contain it. A
 * query ANDs the bitmaps of its words' trigrams: the candidates, a small superset of the hits,
 * which the exact byte comparison of search-index.ts then checks. A stale bit (a crash between
 * statements cannot leave one: the index writes in the caller's transaction) would only cost a
 * check; a missing one would lose a hit, so every write of a document goes through here.
 */

/** The normalised fields as stored; their trigrams are what the bitmaps say. */
export interface StoredText {
  name: string;
  tags: string;
  description: string;
  author: string;
}

export const textFields = (d: StoredText): string[] => [d.name, d.tags, d.description, d.author];

/**
 * A list padded (with its last item) to the next of a few fixed lengths, so that the prepared
 * statements it goes into come in a handful of shapes, not one per length. Repeats are harmless
 * where it is used: IN lists, and bit updates that are idempotent.
 */
export function padded<T>(items: readonly T[]): T[] {
  let size = 8;
  while (size < items.length) size *= 2;
  return [...items, ...Array<T>(size - items.length).fill(items[items.length - 1])];
}

/** Sets (`on`) or clears the document's bit in the rows of `grams`; rows are made as needed. */
export async function writeBits(db: Executor, seq: number, grams: Buffer[], on: boolean): Promise<void> {
  if (grams.length === 0) return;
  const { chunk, pos, mask } = bitOf(seq);
  const list = padded(grams);
  if (on) {
    // Rows are locked in the order of the list, which is byte order: two writers never deadlock here.
    const values = list.map((g) => sql`(${g}, ${chunk}, insert(repeat(x'00', ${CHUNK_BITS / 8}), ${pos}, 1, char(${mask})))`);
    await sql`insert into video_search_grams (gram, chunk, bits) values ${sql.join(values)}
      on duplicate key update bits = insert(bits, ${pos}, 1, char(ascii(substring(bits, ${pos}, 1)) | ${mask}))`.execute(db);
    return;
  }
  // Only rows that exist (the old text's grams): record locks, no gap locks.
  await sql`update video_search_grams set bits = insert(bits, ${pos}, 1, char(ascii(substring(bits, ${pos}, 1)) & ${255 & ~mask}))
    where chunk = ${chunk} and gram in (${sql.join(list)})`.execute(db);
}

/** Brings the bitmaps from the old text of document `seq` (none: a new one) to the new text. */
export async function updateGrams(db: Executor, seq: number, before: StoredText | undefined, after: StoredText | undefined): Promise<void> {
  const key = (g: Buffer) => g.toString('binary');
  const old = before ? documentTrigrams(textFields(before)) : [];
  const now = after ? documentTrigrams(textFields(after)) : [];
  const oldKeys = new Set(old.map(key));
  const nowKeys = new Set(now.map(key));
  await writeBits(db, seq, old.filter((g) => !nowKeys.has(key(g))), false);
  await writeBits(db, seq, now.filter((g) => !oldKeys.has(key(g))), true);
}

/** Beyond this many candidates the documents are scanned instead (a word in most of them). */
export const MAX_CANDIDATES = 4096;

/**
 * The seqs of documents holding every trigram of every word of 3+ characters: null when no word
 * has one (the caller scans), else ascending, possibly empty, never more than MAX_CANDIDATES
 * (more: null, scan).
 */
export async function candidates(db: Executor, words: string[]): Promise<number[] | null> {
  const perWord = words.map(trigramsOf).filter((g) => g.length > 0);
  if (perWord.length === 0) return null;
  const all = [...new Set(perWord.flat())];
  const rows = await sql<{ gram: Buffer; chunk: number; bits: Buffer }>`select gram, chunk, bits from video_search_grams
    where gram in (${sql.join(padded(all.map((g) => Buffer.from(g, 'utf8'))))})`.execute(db);
  const byGram = new Map<string, Map<number, Buffer>>();
  for (const r of rows.rows) {
    const gram = r.gram.toString('utf8');
    if (!byGram.has(gram)) byGram.set(gram, new Map());
    byGram.get(gram)!.set(Number(r.chunk), r.bits);
  }
  let acc: Map<number, Buffer> | undefined;
  for (const gram of all) {
    const rowsOf = byGram.get(gram);
    if (!rowsOf) return [];
    acc = acc === undefined ? new Map([...rowsOf].map(([c, b]) => [c, Buffer.from(b)])) : andInto(acc, rowsOf);
  }
  return seqsOf(acc!);
}

function andInto(acc: Map<number, Buffer>, other: Map<number, Buffer>): Map<number, Buffer> {
  for (const [chunk, bits] of acc) {
    const b = other.get(chunk);
    if (!b) acc.delete(chunk);
    else for (let i = 0; i < bits.length; i++) bits[i] &= b[i] ?? 0;
  }
  return acc;
}

function seqsOf(acc: Map<number, Buffer>): number[] | null {
  const out: number[] = [];
  for (const chunk of [...acc.keys()].sort((a, b) => a - b)) {
    const bits = acc.get(chunk)!;
    for (let i = 0; i < bits.length; i++) {
      if (bits[i] === 0) continue;
      for (let j = 0; j < 8; j++) if (bits[i] & (1 << j)) out.push(chunk * CHUNK_BITS + i * 8 + j);
      if (out.length > MAX_CANDIDATES) return null;
    }
  }
  return out;
}

/**
 * The seqs as a table (MySQL 8, MariaDB 10.6+): one parameter whatever their number, so one
 * prepared statement, and a join that looks each document up by seq.
 */
export function seqTable(seqs: number[]) {
  return sql<{ seq: number }>`json_table(${JSON.stringify(seqs)}, '$[*]' columns (seq bigint path '$'))`.as('c');
}
