import { sql, type RawBuilder } from 'kysely';

/**
 * The one rule that takes a banned user's work out of every read: true when the user in
 * `authorColumn` (a qualified column such as `v.author_id`) is not banned. A correlated primary-key
 * probe on users, so a ban and an unban act at once on every list and lookup, with nothing to keep
 * in step. A null column (no author: a site notification) passes.
 */
export function authorNotBanned(authorColumn: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from users as banned_author where banned_author.id = ${sql.ref(authorColumn)} and banned_author.banned_at is not null)`;
}
