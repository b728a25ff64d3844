import { badRequest, decodeCursor, encodeCursor, type PageQuery } from '@video/shared';
import type { ListQuery } from './common-schemas.js';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Query coercion turns "1e309" into Infinity, which passes the schema's integer and range checks. */
export function requireSafeIntegers<Q extends object>(query: Q, keys: readonly (keyof Q & string)[]): void {
  for (const key of keys) {
    const value = query[key];
    if (value !== undefined && !Number.isSafeInteger(value)) throw badRequest(`querystring.${key} must be an integer`);
  }
}

/** ?limit/?cursor/?from/?to as a repository page; from/to are whole unix seconds, window (from, to]. */
export function pageQuery(query: ListQuery): PageQuery {
  requireSafeIntegers(query, ['limit', 'from', 'to']);
  const page: PageQuery = { limit: query.limit };
  if (query.cursor !== undefined) page.before = decodeCursor(query.cursor);
  // The original compared whole seconds: time > from and time <= to, so include the whole `to` second.
  if (query.from !== undefined) page.fromMs = query.from * 1000 + 999;
  if (query.to !== undefined) page.toMs = query.to * 1000 + 999;
  return page;
}

/**
 * Fetches one row more than asked, so next_cursor is null exactly on the last page. `kind` names a
 * list not keyed by time (see encodeCursor).
 */
export async function fetchPage<T>(
  page: PageQuery,
  fetch: (page: PageQuery) => Promise<T[]>,
  key: (item: T) => { time: number; id: string },
  kind?: string,
): Promise<Page<T>> {
  const rows = await fetch({ ...page, limit: page.limit + 1 });
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  const next_cursor = rows.length > page.limit && last ? encodeCursor(key(last), kind) : null;
  return { items, next_cursor };
}
