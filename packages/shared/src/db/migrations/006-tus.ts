import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Resumable (tus) uploads: one row per upload, so ownership, the per-user cap of unfinished uploads
 * and expiry are answered by the database rather than by scanning the upload directory.
 */
export const tus: Migration = {
  name: '006-tus',
  async up(db: Kysely<any>, dialect) {
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
    await db.schema
      .createTable('uploads')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .modifyEnd(end)
      .execute();
    // "How many unfinished uploads has this user" and "which uploads have expired".
    await db.schema.createIndex('idx_uploads_user_state').on('uploads').columns(['user_id', 'state']).execute();
    await db.schema.createIndex('idx_uploads_expires').on('uploads').columns(['expires_at']).execute();
    await db.schema.createIndex('idx_uploads_video').on('uploads').columns(['video_id']).execute();
  },
};
