import { sql, type RawBuilder } from 'kysely';
import { authorNotBanned } from './author-visibility.js';

/**
 * Whether the video_info row `alias` may appear in feeds, search, related and recommended lists and
 * in other people's view of a channel: public, with a file, not deleted, not hidden by reports
 * (hidden_at: still reachable by its URL), and its author not banned. Every such list uses this one condition, so a rule added
 * here reaches them all.
 */
export function listedVideoSql(alias = 'v'): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  return sql<boolean>`(${col('privacy')} = 'public' and ${col('upload_state')} = 'ready' and ${col('deleted_at')} is null and ${col('hidden_at')} is null and ${authorNotBanned(`${alias}.author_id`)})`;
}
