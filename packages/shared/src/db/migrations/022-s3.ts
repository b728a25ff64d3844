import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Object storage: where a video's files are kept. 'local' (video_dir, as always) or 's3' (the
 * original and the current generation's derived files were uploaded, verified and recorded by
 * the move task). Its task rides in video_tasks with kind 'move'.
 */
export const s3: Migration = {
  name: '022-s3',
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('video_info')
      .addColumn('storage', 'varchar(8)', (c) => c.notNull().defaultTo('local'))
      .execute();
  },
};
