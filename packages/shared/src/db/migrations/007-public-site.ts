import { sql, type Kysely } from 'kysely';
import { normalizeForSearch } from '../search/normalize.js';
import type { Migration } from './index.js';

/**
 * The public site: what a video says about itself (description, tags, privacy, media facts), its
 * counters (kept in step by the writes that change them), ratings, view de-duplication and daily
 * counts, and the search index. Every list the site shows is one index range.
 */
export const publicSite: Migration = {
  name: '007-public-site',
  async up(db: Kysely<any>, dialect) {
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
    await addVideoColumns(db, dialect);
    await createSideTables(db, end);
    await createSearchTable(db, dialect === 'mysql' ? end : null);
  },
};

/**
 * The search documents, normalised (lower case, no accents; see search/normalize.ts). SQLite: an
 * FTS5 table with the trigram tokenizer (substrings, CJK). MySQL/MariaDB: a plain table scanned
 * with LIKE (MariaDB has no n-gram parser, and its word parser cannot find 猫 inside 我的猫咪).
 */
async function createSearchTable(db: Kysely<any>, mysqlEnd: ReturnType<typeof sql> | null): Promise<void> {
  if (mysqlEnd === null) {
    await sql`create virtual table video_search using fts5(video_id unindexed, name, tags, description, author, tokenize = 'trigram')`.execute(db);
  } else {
    await db.schema
      .createTable('video_search')
      .addColumn('video_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(512)', (c) => c.notNull())
      .addColumn('tags', 'varchar(1200)', (c) => c.notNull())
      .addColumn('description', sql`mediumtext`, (c) => c.notNull())
      .addColumn('author', 'varchar(128)', (c) => c.notNull())
      .modifyEnd(mysqlEnd)
      .execute();
  }
  // Existing videos, in batches, normalised as every later write does.
  for (let offset = 0; ; offset += 500) {
    const rows = await db
      .selectFrom('video_info as v')
      .innerJoin('users as u', 'u.id', 'v.author_id')
      .select(['v.id', 'v.name', 'u.user_name'])
      .orderBy('v.id')
      .limit(500)
      .offset(offset)
      .execute();
    if (rows.length === 0) break;
    const values = rows.map((r) => ({ video_id: r.id, name: normalizeForSearch(r.name), tags: '', description: '', author: normalizeForSearch(r.user_name) }));
    await db.insertInto('video_search').values(values).execute();
  }
}

/** video_info's new columns, the comment counter filled in, and one index per public list. */
async function addVideoColumns(db: Kysely<any>, dialect: string): Promise<void> {
  const columns: [string, string, (c: any) => any][] = [
    // 5,000 characters; a varchar on MySQL so it can have a default (InnoDB keeps it off-page).
    ['description', dialect === 'mysql' ? 'varchar(5000)' : 'text', (c) => c.notNull().defaultTo('')],
    // The tags as the owner wrote them (a JSON array); video_tags holds them for matching.
    ['tags', 'varchar(1000)', (c) => c.notNull().defaultTo('[]')],
    ['privacy', 'varchar(16)', (c) => c.notNull().defaultTo('public')],
    ['duration', 'double precision', (c) => c],
    ['width', 'integer', (c) => c],
    ['height', 'integer', (c) => c],
    ['poster', 'varchar(160)', (c) => c],
    ['views', 'bigint', (c) => c.notNull().defaultTo(0)],
    ['likes', 'integer', (c) => c.notNull().defaultTo(0)],
    ['dislikes', 'integer', (c) => c.notNull().defaultTo(0)],
    ['comments_count', 'integer', (c) => c.notNull().defaultTo(0)],
    // The "hot" rank, scaled to an integer so it pages like the other counters (scheduler job).
    ['hot', 'bigint', (c) => c.notNull().defaultTo(0)],
  ];
  for (const [name, type, build] of columns) {
    await db.schema.alterTable('video_info').addColumn(name, sql.raw(type), build).execute();
  }
  await sql`update video_info set comments_count = (select count(*) from comments c where c.video_id = video_info.id)`.execute(db);

  // The public lists: equality on (privacy, upload_state, deleted_at), then the sort key and id.
  const listed = ['privacy', 'upload_state', 'deleted_at'];
  for (const [name, key] of [['recent', 'create_time'], ['views', 'views'], ['likes', 'likes'], ['hot', 'hot']]) {
    await db.schema.createIndex(`idx_video_public_${name}`).on('video_info').columns([...listed, key, 'id']).execute();
  }

}

/** Tags, ratings, view reports and daily views: one row per (video, something). */
async function createSideTables(db: Kysely<any>, end: ReturnType<typeof sql>): Promise<void> {
  await db.schema
    .createTable('video_tags')
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    // Lower-cased and without accents: what matching compares.
    .addColumn('tag', 'varchar(96)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_video_tags', ['video_id', 'tag'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_video_tags_tag').on('video_tags').columns(['tag', 'video_id']).execute();

  await db.schema
    .createTable('video_ratings')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    // 1 like, -1 dislike; "none" is no row.
    .addColumn('value', 'integer', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_video_ratings', ['user_id', 'video_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_video_ratings_video').on('video_ratings').columns(['video_id']).execute();

  // One row per (video, viewer) while a view is being measured or was counted within the hour.
  await db.schema
    .createTable('video_view_reports')
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('viewer', 'varchar(80)', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('counted_at', 'bigint')
    .addPrimaryKeyConstraint('pk_video_view_reports', ['video_id', 'viewer'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_video_view_reports_first').on('video_view_reports').columns(['first_at']).execute();

  await db.schema
    .createTable('video_views_daily')
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    // Days since the epoch (UTC).
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('views', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_video_views_daily', ['video_id', 'day'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_video_views_daily_day').on('video_views_daily').columns(['day', 'video_id']).execute();

}
