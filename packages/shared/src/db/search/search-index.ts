import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database, VideoInfoTable, VideoSearchTable } from '../schema.js';
import type { DialectName } from '../connect.js';
import type { Executor } from '../repositories/executor.js';
import { listedVideoSql } from '../listed-videos.js';
import { normalizeForSearch } from './normalize.js';
import { MAX_CANDIDATES, candidates, seqTable, updateGrams } from './gram-index.js';

/** What the index holds of a video. */
export interface SearchDocument {
  id: string;
  name: string;
  description: string;
  tags: readonly string[];
  author: string;
}

/** One hit: the video id and its sort key (rank first, then newness), for keyset paging. */
export interface SearchHit {
  id: string;
  score: number;
}

export interface SearchQuery {
  /** Normalised words (searchWords); every one must match. */
  words: string[];
  limit: number;
  /** Keyset position: hits strictly after (score, id) in the result order. */
  after?: { score: number; id: string };
}

/**
 * The site's search, database-native behind this small interface (a search engine could replace
 * it): documents are written in the same transaction as the video they describe, and queries see
 * only public, live videos that have a file.
 */
export interface SearchIndex {
  /** Writes (or replaces) a video's document, taking no gap locks on MySQL. */
  put(db: Executor, doc: SearchDocument): Promise<void>;
  remove(db: Executor, videoId: string): Promise<void>;
  search(db: Executor, query: SearchQuery): Promise<SearchHit[]>;
  /** Ids of listed videos whose name shares any of `words`, most shared first, then hot; never `exclude`. */
  similarNames(db: Executor, query: { words: string[]; exclude: string; limit: number }): Promise<string[]>;
}

// Rank weights: a word in the name counts most, then tags, then author, then the description.
const WEIGHTS = { name: 8, tags: 4, author: 2, description: 1 } as const;
type Column = keyof typeof WEIGHTS;
const COLUMNS = Object.keys(WEIGHTS) as Column[];
/** score = rank · 2^41 + create_time (ms, < 2^41 until 2039): one integer that sorts by both. */
const TIME_SPAN = 2 ** 41;

function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Whether `word` is in the column. The documents are normalised, so a plain substring test of the
 * bytes: instr() on SQLite; on MySQL a LIKE BINARY (a byte comparison, less than half the time of
 * the column's utf8mb4_bin collation, and UTF-8 makes a byte match a character match).
 */
function contains(dialect: DialectName, column: Column, word: string): RawBuilder<boolean> {
  const ref = sql.ref(`s.${column}`);
  return dialect === 'mysql' ? sql<boolean>`(${ref} like binary ${likePattern(word)})` : sql<boolean>`(instr(${ref}, ${word}) > 0)`;
}

function rankOf(dialect: DialectName, words: string[]): RawBuilder<number> {
  const terms = words.flatMap((w) => COLUMNS.map((c) => sql`(case when ${contains(dialect, c, w)} then ${WEIGHTS[c]} else 0 end)`));
  return sql<number>`(${sql.join(terms, sql` + `)})`;
}

/**
 * A few of the word's trigrams (every third, and the last) that cover it: the documents holding
 * all of them are a small superset of those holding the word, found with far shorter walks of the
 * index than the word as a phrase of all its trigrams; `contains` then keeps the true hits.
 */
function coveringTrigrams(word: string): string[] {
  const chars = [...word];
  const picked = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i += 3) picked.add(chars.slice(i, i + 3).join(''));
  if (chars.length >= 3) picked.add(chars.slice(-3).join(''));
  return [...picked];
}

/**
 * Every word somewhere in the document. On SQLite the trigram index first narrows the documents
 * to those with the covering trigrams of every word of 3+ characters, in one MATCH.
 */
function matchAll(dialect: DialectName, words: string[]): RawBuilder<boolean> {
  const each = words.map((w) => sql`(${sql.join(COLUMNS.map((c) => contains(dialect, c, w)), sql` or `)})`);
  const trigrams = dialect === 'sqlite' ? words.flatMap(coveringTrigrams) : [];
  if (trigrams.length > 0) each.unshift(sql`video_search match ${trigrams.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ')}`);
  return sql<boolean>`(${sql.join(each, sql` and `)})`;
}

/**
 * Documents of public, live videos that have a file: all that search may show. On MySQL,
 * STRAIGHT_JOIN scans the documents and joins only the hits (20 ms at 10,000 videos); MariaDB
 * would otherwise walk the listed videos' index and look each document up (35 ms).
 */
function listedDocuments(db: Executor, dialect: DialectName) {
  const documents = db.selectFrom('video_search as s');
  return (dialect === 'mysql' ? documents.modifyFront(sql`straight_join`) : documents)
    .innerJoin('video_info as v', 'v.id', 's.video_id')
    .where(listedVideoSql());
}

/**
 * MySQL: the candidates' documents checked and ranked in a derived table that MariaDB
 * materialises (the LIMIT keeps it from merging the two), then joined to the listed videos.
 * Ranking in the same join as the video lookup cost twice the CPU (9 against 4 ms a query at
 * 10,000 videos on a busy machine): its temporary table carried the document text.
 */
function rankedCandidates(db: Executor, words: string[], seqs: number[]) {
  const checked = db
    .selectFrom(seqTable(seqs))
    .modifyFront(sql`straight_join`)
    .innerJoin('video_search as s', 's.seq', 'c.seq')
    .select(['s.video_id as video_id', rankOf('mysql', words).as('r')])
    .where(matchAll('mysql', words))
    .limit(MAX_CANDIDATES + 8);
  return db.selectFrom(checked.as('h')).modifyFront(sql`straight_join`).innerJoin('video_info as v', 'v.id', 'h.video_id').where(listedVideoSql());
}

/** Hits as both shapes of the search statement select them. */
type Hits = SelectQueryBuilder<Database & { s: VideoSearchTable; v: VideoInfoTable }, 'v' | 's', { id: string; score: number }>;

/**
 * MySQL: an upsert (a DELETE of a row that is not there yet would take a gap lock, and two new
 * videos' transactions would deadlock on it), then the bitmaps from the old text to the new.
 */
async function putMysql(db: Executor, row: Omit<VideoSearchTable, 'seq'>): Promise<void> {
  const { video_id: _id, ...rest } = row;
  const before = await lockedDocument(db, row.video_id);
  await db.insertInto('video_search').values(row).onDuplicateKeyUpdate(rest).execute();
  const seq = before?.seq ?? (await storedDocument(db, row.video_id))!.seq;
  await updateGrams(db, Number(seq), before, row);
}

/** MySQL: a document as stored, with its seq (migration 023), or undefined. */
function storedDocument(db: Executor, videoId: string, lock = false) {
  const q = db.selectFrom('video_search').select(['seq', 'name', 'tags', 'description', 'author']).where('video_id', '=', videoId);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/**
 * MySQL: the document's current text, its row locked, so two edits of one video cannot both start
 * from the same old text (a snapshot read could be older than a commit the bitmaps already show).
 * Only a row that exists is locked: a locking read of a missing key would take a gap lock.
 */
async function lockedDocument(db: Executor, videoId: string) {
  return (await storedDocument(db, videoId)) && storedDocument(db, videoId, true);
}

export function createSearchIndex(dialect: DialectName): SearchIndex {
  return {
    async put(db, doc) {
      const row = {
        video_id: doc.id,
        // Normalising can lengthen text (NFKD); the columns' bounds are far above what matters.
        name: normalizeForSearch(doc.name).slice(0, 512),
        tags: doc.tags.map(normalizeForSearch).join(' | ').slice(0, 1200),
        description: normalizeForSearch(doc.description).slice(0, 20_000),
        author: normalizeForSearch(doc.author).slice(0, 128),
      };
      if (dialect === 'mysql') return putMysql(db, row);
      // FTS5 tables have no upsert; SQLite's one writer at a time has no gap locks to fear.
      await db.deleteFrom('video_search').where('video_id', '=', doc.id).execute();
      await db.insertInto('video_search').values(row).execute();
    },
    async remove(db, videoId) {
      const before = dialect === 'mysql' ? await lockedDocument(db, videoId) : undefined;
      if (before) await updateGrams(db, Number(before.seq), before, undefined);
      await db.deleteFrom('video_search').where('video_id', '=', videoId).execute();
    },
    async search(db, query) {
      if (query.words.length === 0) return [];
      // MySQL: the trigram bitmaps name the candidates (null: no word of 3+ characters, scan).
      const seqs = dialect === 'mysql' ? await candidates(db, query.words) : null;
      if (seqs?.length === 0) return [];
      const rank = seqs ? sql<number>`h.r` : rankOf(dialect, query.words);
      const score = sql<number>`(${rank} * ${TIME_SPAN} + v.create_time)`;
      const columns = ['v.id as id', score.as('score')] as const;
      let q: Hits = seqs
        ? (rankedCandidates(db, query.words, seqs).select(columns) as unknown as Hits)
        : listedDocuments(db, dialect).where(matchAll(dialect, query.words)).select(columns);
      if (query.after) {
        const a = query.after;
        q = q.where(sql<boolean>`(${score} < ${a.score} or (${score} = ${a.score} and v.id < ${a.id}))`);
      }
      const rows = await q.orderBy(sql`score`, 'desc').orderBy('v.id', 'desc').limit(query.limit).execute();
      return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
    },
    async similarNames(db, { words, exclude, limit }) {
      if (words.length === 0) return [];
      const shared = sql<number>`(${sql.join(words.map((w) => sql`(case when ${contains(dialect, 'name', w)} then 1 else 0 end)`), sql` + `)})`;
      const rows = await listedDocuments(db, dialect)
        .select(['v.id as id', shared.as('shared')])
        .where('v.id', '<>', exclude)
        .where(sql<boolean>`${shared} > 0`)
        .orderBy(sql`shared`, 'desc')
        .orderBy('v.hot', 'desc')
        .orderBy('v.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
  };
}
