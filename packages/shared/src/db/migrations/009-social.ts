import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

type End = ReturnType<typeof sql>;

/**
 * The social features: favorites, playlists, comment threads (replies, edits, one pin per video),
 * follows and blocks, watch history, notifications, and site
 * messages with one row per (user, other user) conversation kept in step by each message.
 */
export const social: Migration = {
  name: '009-social',
  async up(db: Kysely<any>, dialect) {
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
    await alterExisting(db);
    await createLists(db, end);
    await createPeople(db, end);
    await createInbox(db, end, dialect);
  },
};

async function alterExisting(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('followers_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('following_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // A reply names its top-level comment; top-level comments have none.
  await db.schema.alterTable('comments').addColumn('parent_id', 'varchar(36)').execute();
  await db.schema.alterTable('comments').addColumn('replies_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('comments').addColumn('edited_time', 'bigint').execute();
  // 1 for the video's one pinned comment (its owner's choice), else 0.
  await db.schema.alterTable('comments').addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('idx_comments_top').on('comments').columns(['video_id', 'parent_id', 'time', 'id']).execute();
  await db.schema.createIndex('idx_comments_replies').on('comments').columns(['parent_id', 'time', 'id']).execute();
}

async function createLists(db: Kysely<any>, end: End): Promise<void> {
  await db.schema
    .createTable('favorites')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_favorites', ['user_id', 'video_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_favorites_user_time').on('favorites').columns(['user_id', 'time', 'video_id']).execute();
  await db.schema.createIndex('idx_favorites_video').on('favorites').columns(['video_id']).execute();

  await db.schema
    .createTable('playlists')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('owner_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'varchar(5000)', (c) => c.notNull().defaultTo(''))
    .addColumn('privacy', 'varchar(16)', (c) => c.notNull().defaultTo('public'))
    .addColumn('videos_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_playlists_owner').on('playlists').columns(['owner_id', 'create_time', 'id']).execute();

  await db.schema
    .createTable('playlist_items')
    .addColumn('playlist_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    // 0-based order within the playlist, renumbered under the playlist's row lock.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_playlist_items', ['playlist_id', 'video_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_playlist_items_order').on('playlist_items').columns(['playlist_id', 'position']).execute();
  await db.schema.createIndex('idx_playlist_items_video').on('playlist_items').columns(['video_id']).execute();
}

async function createPeople(db: Kysely<any>, end: End): Promise<void> {
  await db.schema
    .createTable('follows')
    .addColumn('follower_id', 'integer', (c) => c.notNull())
    .addColumn('followee_id', 'integer', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_follows', ['follower_id', 'followee_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_follows_followee').on('follows').columns(['followee_id', 'time', 'follower_id']).execute();
  await db.schema.createIndex('idx_follows_follower').on('follows').columns(['follower_id', 'time', 'followee_id']).execute();

  await db.schema
    .createTable('blocks')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('blocked_id', 'integer', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_blocks', ['user_id', 'blocked_id'])
    .modifyEnd(end)
    .execute();

  // One row per (user, video): the last time a view of it counted for the user.
  await db.schema
    .createTable('watch_history')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('video_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('watched_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_watch_history', ['user_id', 'video_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_watch_history_user').on('watch_history').columns(['user_id', 'watched_at', 'video_id']).execute();
  await db.schema.createIndex('idx_watch_history_video').on('watch_history').columns(['video_id']).execute();
}

async function createInbox(db: Kysely<any>, end: End, dialect: string): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    // new_video | comment | reply | mention | follow | message | takedown
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('video_id', 'varchar(64)')
    .addColumn('comment_id', 'varchar(36)')
    // A burst folded into one unread item counts its events here.
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_notifications_user').on('notifications').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('idx_notifications_unread').on('notifications').columns(['user_id', 'read', 'created_at', 'id']).execute();
  await db.schema.createIndex('idx_notifications_video').on('notifications').columns(['video_id']).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('from_id', 'integer', (c) => c.notNull())
    .addColumn('to_id', 'integer', (c) => c.notNull())
    .addColumn('content', dialect === 'mysql' ? 'varchar(2000)' : 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('read', 'integer', (c) => c.notNull().defaultTo(0))
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_messages_pair').on('messages').columns(['to_id', 'from_id', 'time', 'id']).execute();
  await db.schema.createIndex('idx_messages_pair_sent').on('messages').columns(['from_id', 'to_id', 'time', 'id']).execute();

  // Each side of a conversation: its last message and what this user has not read yet.
  await db.schema
    .createTable('conversations')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('other_id', 'integer', (c) => c.notNull())
    .addColumn('last_message_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('last_time', 'bigint', (c) => c.notNull())
    .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('pk_conversations', ['user_id', 'other_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_conversations_user').on('conversations').columns(['user_id', 'last_time', 'other_id']).execute();
}
