import { badRequest, decodeCursor, type PageQuery } from '@video/shared';
import { fetchPage, requireSafeIntegers, type Page } from '../http/pagination.js';

export interface UserRow {
  id: number;
  user_name: string;
  time: number;
}

/**
 * One page of a list of users keyed by (time, user id), newest first: the cursor's id is the
 * user's id, so anything but a whole number there is a 400.
 */
export async function userPage(query: { limit: number; cursor?: string }, fetch: (page: PageQuery) => Promise<UserRow[]>): Promise<{ users: { id: number; user_name: string }[]; next_cursor: string | null }> {
  requireSafeIntegers(query, ['limit']);
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (before && !/^[0-9]{1,15}$/.test(before.id)) throw badRequest('cursor is not valid');
  const page: Page<UserRow> = await fetchPage({ limit: query.limit, before }, fetch, (u) => ({ time: u.time, id: String(u.id) }));
  return { users: page.items.map((u) => ({ id: u.id, user_name: u.user_name })), next_cursor: page.next_cursor };
}
