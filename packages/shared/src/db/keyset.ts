import { sql, type SelectQueryBuilder } from 'kysely';
import type { PageQuery } from './repositories/videos-repository.js';

/**
 * One keyset page, newest first, of a query over rows keyed by (time, id): rows strictly older
 * than `page.before`, inside the original's (fromMs, toMs] window, ordered by time then id (the id
 * breaks ties, so no page repeats or skips a row), at most `page.limit`. The columns are
 * references such as 'v.create_time' and 'v.id'; the list's index must be on them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function keysetPage<QB extends SelectQueryBuilder<any, any, any>>(q: QB, timeCol: string, idCol: string, page: PageQuery): QB {
  const time = sql.ref(timeCol);
  const id = sql.ref(idCol);
  let out = q;
  if (page.before) {
    const b = page.before;
    out = out.where(sql<boolean>`(${time} < ${b.time} or (${time} = ${b.time} and ${id} < ${b.id}))`) as QB;
  }
  if (page.fromMs !== undefined) out = out.where(sql<boolean>`${time} > ${page.fromMs}`) as QB;
  if (page.toMs !== undefined) out = out.where(sql<boolean>`${time} <= ${page.toMs}`) as QB;
  return out.orderBy(time, 'desc').orderBy(id, 'desc').limit(page.limit) as QB;
}
