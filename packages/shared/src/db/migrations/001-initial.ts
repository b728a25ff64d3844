import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

/** The original's five tables, with bcrypt hashes, session expiry, soft delete and upload state. */
export const initial: Migration = {
  name: '001-initial',
  async up(db: Kysely<any>, dialect) {
    // MySQL: utf8mb4 with a binary collation, so names compare exactly as on SQLite.
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;

    await db.schema
      .createTable('users')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('user_name', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('pwd_hash', 'varchar(100)', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .modifyEnd(end)
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .modifyEnd(end)
      .execute();
    await db.schema.createIndex('idx_sessions_expires').on('sessions').columns(['expires_at']).execute();
    await db.schema.createIndex('idx_sessions_user').on('sessions').columns(['user_id']).execute();

    await db.schema
      .createTable('video_info')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('author_id', 'integer', (c) => c.notNull())
      .addColumn('name', 'varchar(256)', (c) => c.notNull())
      .addColumn('display_ctime', 'varchar(32)', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .addColumn('upload_state', 'varchar(16)', (c) => c.notNull().defaultTo('pending'))
      .addColumn('size', 'bigint')
      .addColumn('content_type', 'varchar(128)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .modifyEnd(end)
      .execute();
    // Serves "a user's live videos, newest first" as one ordered index range (keyset pagination).
    await db.schema
      .createIndex('idx_video_author_time')
      .on('video_info')
      .columns(['author_id', 'deleted_at', 'create_time', 'id'])
      .execute();

    await createCommentsAndPurgeRecords(db, end);
  },
};

/** The second half of the original schema: comments and the purge queue. */
async function createCommentsAndPurgeRecords(db: Kysely<any>, end: ReturnType<typeof sql>): Promise<void> {
  await db.schema
    .createTable('comments')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('author_id', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_comments_video_time').on('comments').columns(['video_id', 'time', 'id']).execute();

  await db.schema
    .createTable('video_del_rec')
    .addColumn('video_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claimed_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'varchar(512)')
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_del_rec_due').on('video_del_rec').columns(['next_attempt_at']).execute();
}
