import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/** A video's pinned comment is found through this index instead of a walk over its top-level comments. */
export const commentPins: Migration = {
  name: '013-comment-pins',
  async up(db: Kysely<any>) {
    await db.schema.createIndex('idx_comments_pinned').on('comments').columns(['video_id', 'pinned']).execute();
  },
};
