import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

/** Danmaku (bullet comments): one row per comment, read as "a video's pool ordered by time". */
export const danmaku: Migration = {
  name: '005-danmaku',
  async up(db: Kysely<any>, dialect) {
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
    await db.schema
      .createTable('danmaku')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('author_id', 'integer', (c) => c.notNull())
      // Seconds into the video, fractional (DPlayer sends video.currentTime as is).
      .addColumn('time', 'double precision', (c) => c.notNull())
      .addColumn('type', 'integer', (c) => c.notNull())
      .addColumn('color', 'integer', (c) => c.notNull())
      .addColumn('text', 'varchar(400)', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .modifyEnd(end)
      .execute();
    // Serves the pool read ("newest N of a video") and the purge ("all of a video").
    await db.schema.createIndex('idx_danmaku_video_time').on('danmaku').columns(['video_id', 'time']).execute();
  },
};
