import { sql } from 'kysely';
import { authorNotBanned, type Executor } from '@video/shared';

/** Parents recounted per statement: bounded statements however many replies a user wrote. */
const CHUNK = 500;

/**
 * After a ban or an unban (inside its transaction): the counters of every video and thread the
 * user commented on are counted again, so `comments_count` and `replies_count` count what readers
 * see — visible comments whose author is not banned — and a ban's comments leave the numbers at
 * once and come back with the unban. Counted from the rows, not adjusted, so it is right whatever
 * happened since.
 */
export async function recountCommentsTouchedBy(trx: Executor, userId: number): Promise<void> {
  const videos = (await trx.selectFrom('comments').select('video_id').distinct().where('author_id', '=', userId).execute()).map((r) => r.video_id);
  for (let i = 0; i < videos.length; i += CHUNK) {
    await trx
      .updateTable('video_info')
      .set((eb) => ({
        comments_count: eb
          .selectFrom('comments as c')
          .select((s) => s.fn.countAll<number>().as('n'))
          .whereRef('c.video_id', '=', 'video_info.id')
          .where('c.state', '=', 'visible')
          .where(authorNotBanned('c.author_id')),
      }))
      .where('id', 'in', videos.slice(i, i + CHUNK))
      .execute();
  }
  const parents = (
    await trx.selectFrom('comments').select('parent_id').distinct().where('author_id', '=', userId).where('parent_id', 'is not', null).execute()
  ).map((r) => r.parent_id as string);
  for (let i = 0; i < parents.length; i += CHUNK) await recountReplies(trx, parents.slice(i, i + CHUNK));
}

/** replies_count of these top-level comments, from their visible replies by authors not banned. */
async function recountReplies(trx: Executor, parents: string[]): Promise<void> {
  // Counted first and written per parent: MySQL refuses an UPDATE of comments that reads comments.
  const counted = await trx
    .selectFrom('comments as r')
    .select(['r.parent_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('r.parent_id', 'in', parents)
    .where('r.state', '=', 'visible')
    .where(authorNotBanned('r.author_id'))
    .groupBy('r.parent_id')
    .execute();
  const byParent = new Map(counted.map((r) => [r.parent_id as string, Number(r.n)]));
  for (const id of parents) {
    await trx.updateTable('comments').set({ replies_count: byParent.get(id) ?? 0 }).where('id', '=', id).execute();
  }
}

/** 1 when the comment's author counts (is not banned): what a delete takes off the counters. */
export function countedAuthor(column: string) {
  return sql<number>`case when ${authorNotBanned(column)} then 1 else 0 end`;
}
