import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/** What a notification says beyond its type: a takedown's reason, as the moderator wrote it. */
export const admin: Migration = {
  name: '019-admin',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('notifications').addColumn('detail', 'varchar(500)').execute();
  },
};
