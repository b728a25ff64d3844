import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

type End = ReturnType<typeof sql>;

/**
 * Accounts and moderation: email and phone on users, roles and bans, one-time mail tokens, refresh
 * tokens for API clients, single sign-on identities, phone codes, reports, the audit log, and the
 * per-video comment policy with held comments.
 */
export const accounts: Migration = {
  name: '015-accounts',
  async up(db: Kysely<any>, dialect) {
    const end = dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
    await alterUsers(db);
    await alterContent(db);
    await createCredentials(db, end);
    await createModeration(db, end);
  },
};

async function alterUsers(db: Kysely<any>): Promise<void> {
  const add = (name: string, type: string, build?: (c: any) => any) =>
    db.schema.alterTable('users').addColumn(name, type as any, build ?? ((c) => c)).execute();
  // Lower-cased; unique among accounts (NULLs never collide on either database).
  await add('email', 'varchar(254)');
  await add('email_verified', 'integer', (c) => c.notNull().defaultTo(0));
  // E.164, unique.
  await add('phone', 'varchar(20)');
  await add('role', 'varchar(16)', (c) => c.notNull().defaultTo('user'));
  await add('banned_at', 'bigint');
  await add('ban_reason', 'varchar(500)');
  // Set when the account was deleted: the row stays (names of old comments, the purge), it cannot sign in.
  await add('deleted_at', 'bigint');
  await db.schema.createIndex('uq_users_email').on('users').column('email').unique().execute();
  await db.schema.createIndex('uq_users_phone').on('users').column('phone').unique().execute();
  await db.schema.createIndex('idx_users_role').on('users').columns(['role', 'id']).execute();
}

async function alterContent(db: Kysely<any>): Promise<void> {
  // open | approval | closed
  await db.schema.alterTable('video_info').addColumn('comments_policy', 'varchar(16)', (c) => c.notNull().defaultTo('open')).execute();
  // When auto_hide_reports distinct users reported it: out of feeds and search until a moderator decides.
  await db.schema.alterTable('video_info').addColumn('hidden_at', 'bigint').execute();
  // visible | pending (held for the owner's approval)
  await db.schema.alterTable('comments').addColumn('state', 'varchar(16)', (c) => c.notNull().defaultTo('visible')).execute();
}

async function createCredentials(db: Kysely<any>, end: End): Promise<void> {
  // One-time links sent by mail: kind verify (24 h, names the address it verifies) or reset (1 h).
  await db.schema
    .createTable('mail_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_mail_tokens_user').on('mail_tokens').columns(['user_id', 'kind']).execute();

  // Opaque refresh tokens, stored hashed; each rotation adds a row to the same family.
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('family_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set when rotated (used) or revoked; a token presented after this kills its family.
    .addColumn('used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
  await db.schema.createIndex('idx_refresh_tokens_user').on('refresh_tokens').column('user_id').execute();

  await db.schema
    .createTable('identities')
    .addColumn('provider', 'varchar(32)', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_identities', ['provider', 'subject'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_identities_user').on('identities').columns(['user_id', 'provider']).execute();

  await db.schema
    .createTable('phone_codes')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('phone', 'varchar(20)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('address', 'varchar(64)', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_at', 'bigint')
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_phone_codes_phone').on('phone_codes').columns(['phone', 'create_time']).execute();
  await db.schema.createIndex('idx_phone_codes_address').on('phone_codes').columns(['address', 'create_time']).execute();
}

async function createModeration(db: Kysely<any>, end: End): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('reporter_id', 'integer', (c) => c.notNull())
    // video | comment | danmaku | user
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    // The video the target belongs to (a comment's or a danmaku's video), for auto-hide; null for users.
    .addColumn('video_id', 'varchar(64)')
    .addColumn('reason', 'varchar(16)', (c) => c.notNull())
    .addColumn('note', 'varchar(1000)', (c) => c.notNull().defaultTo(''))
    // open | resolved | dismissed
    .addColumn('state', 'varchar(16)', (c) => c.notNull().defaultTo('open'))
    // 1 while open, NULL once decided: the unique index allows one open report per reporter and target.
    .addColumn('open_flag', 'integer')
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('decided_by', 'integer')
    .addColumn('decided_at', 'bigint')
    .addColumn('decision_note', 'varchar(1000)')
    .modifyEnd(end)
    .execute();
  await db.schema
    .createIndex('uq_reports_open')
    .on('reports')
    .columns(['reporter_id', 'target_type', 'target_id', 'open_flag'])
    .unique()
    .execute();
  await db.schema.createIndex('idx_reports_state').on('reports').columns(['state', 'create_time', 'id']).execute();
  await db.schema.createIndex('idx_reports_target').on('reports').columns(['target_type', 'target_id', 'state']).execute();

  // Append-only: the api has no route that edits or deletes a row.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('actor_id', 'integer', (c) => c.notNull())
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('detail', 'varchar(2000)', (c) => c.notNull().defaultTo(''))
    .addColumn('time', 'bigint', (c) => c.notNull())
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('idx_audit_log_time').on('audit_log').columns(['time', 'id']).execute();
}
