import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Media processing: one task row per video (probe, poster, storyboard, HLS ladder), claimed with
 * leases like purge records; the name of the video's current set of derived files; caption tracks.
 * Every video that already has a file gets a queued task, so old uploads are processed too.
 */
export const media: Migration = {
  name: '008-media',
  async up(db: Kysely<any>, dialect) {
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
    // The folder under video_dir/.media/<id>/ that holds the complete set being served; null: none yet.
    await db.schema.alterTable('video_info').addColumn('media_gen', 'varchar(40)').execute();

    await db.schema
      .createTable('video_tasks')
      .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
      // 'process' (probe → poster → storyboard → renditions); more kinds may follow.
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      // queued | running | done | failed
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      // Bumped by every (re)queue: a run finishing for an older file must not install its output.
      .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('claimed_by', 'varchar(64)')
      .addColumn('claimed_until', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'varchar(500)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pk_video_tasks', ['video_id', 'kind'])
      .modifyEnd(end)
      .execute();
    // Claims read due rows: state, then the back-off, then the lease.
    await db.schema.createIndex('idx_video_tasks_due').on('video_tasks').columns(['state', 'next_attempt_at']).execute();

    await db.schema
      .createTable('video_captions')
      .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
      // A BCP 47 tag as given (en, zh-Hans); compared case-insensitively by the routes.
      .addColumn('lang', 'varchar(35)', (c) => c.notNull())
      // The track as WebVTT (SubRip is converted on the way in), at most 1 MiB.
      .addColumn('vtt', dialect === 'mysql' ? sql`mediumtext` : 'text', (c) => c.notNull())
      // A hash of the text: the ETag the stream server sends.
      .addColumn('etag', 'varchar(64)', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pk_video_captions', ['video_id', 'lang'])
      .modifyEnd(end)
      .execute();

    const now = Date.now();
    await sql`insert into video_tasks (video_id, kind, state, seq, attempts, next_attempt_at, claimed_until, progress, created_at, updated_at)
      select id, 'process', 'queued', 1, 0, ${now}, 0, 0, ${now}, ${now} from video_info
      where upload_state = 'ready' and deleted_at is null`.execute(db);
  },
};
