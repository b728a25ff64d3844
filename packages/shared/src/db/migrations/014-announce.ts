import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * When a video's followers were told of it (new_video notifications): null until the scheduler has
 * announced it. Videos that exist before this migration count as announced, so nobody is told
 * of old uploads at once.
 */
export const announce: Migration = {
  name: '014-announce',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('video_info').addColumn('announced_at', 'bigint').execute();
    await db.updateTable('video_info').set((eb: any) => ({ announced_at: eb.ref('create_time') })).execute();
    await db.schema.createIndex('idx_video_info_announce').on('video_info').columns(['announced_at', 'create_time']).execute();
  },
};
