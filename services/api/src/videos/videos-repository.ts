import type { SelectQueryBuilder } from 'kysely';
import { PROCESS_TASK, authorNotBanned, keysetPage, normalizeForSearch, type Database, type Executor, type PageQuery, type TaskState, type Video, type VideoInfoTable } from '@video/shared';

/** The columns of a video's processing task that VideoInfo shows (null: no task row, no file yet). */
export interface ProcessingColumns {
  task_state: TaskState | null;
  task_progress: number | null;
  task_error: string | null;
}
/** A video row as the VideoInfo queries read it: the row and its processing task, joined. */
export type VideoRow = Video & ProcessingColumns;
export type VideoWithAuthor = VideoRow & { author: string };

/**
 * Joins a `video_info as v` query to its processing task: one primary-key lookup per row, after the
 * list's own index range, so each list keeps its plan and VideoInfo needs no query per row.
 */
export function withProcessing<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O & ProcessingColumns> {
  // Typed against the concrete tables, so the references are checked; the caller keeps its own types.
  const joined = (q as unknown as SelectQueryBuilder<Database & { v: VideoInfoTable }, 'v', O>)
    .leftJoin('video_tasks as vt', (j) => j.onRef('vt.video_id', '=', 'v.id').on('vt.kind', '=', PROCESS_TASK))
    .select(['vt.state as task_state', 'vt.progress as task_progress', 'vt.last_error as task_error']);
  return joined as unknown as SelectQueryBuilder<DB, TB, O & ProcessingColumns>;
}

/**
 * A user's live videos by user name, newest first, one keyset page, in one statement: the owner
 * check rides along as a join (`onlyPublic` for anyone but the owner), so callers tell "empty" from "no such user" only when a page is empty.
 */
export async function listLiveVideosByUserName(db: Executor, userName: string, page: PageQuery, onlyPublic: boolean): Promise<VideoRow[]> {
  let q = db
    .selectFrom('users')
    .innerJoin('video_info as v', 'v.author_id', 'users.id')
    .selectAll('v')
    .where('users.user_name', '=', userName)
    .where('v.deleted_at', 'is', null)
    .where(authorNotBanned('v.author_id'));
  if (onlyPublic) q = q.where('v.privacy', '=', 'public').where('v.hidden_at', 'is', null);
  return withProcessing(keysetPage(q, 'v.create_time', 'v.id', page)).execute();
}

/** A live video and its owner's name. */
export async function findLiveVideoWithAuthor(db: Executor, id: string): Promise<VideoWithAuthor | undefined> {
  return db
    .selectFrom('video_info as v')
    .innerJoin('users as u', 'u.id', 'v.author_id')
    .$call(withProcessing)
    .selectAll('v')
    .select('u.user_name as author')
    .where('v.id', '=', id)
    .where('v.deleted_at', 'is', null)
    .where(authorNotBanned('v.author_id'))
    .executeTakeFirst();
}

/**
 * The tags a video is matched by: normalised, one row each. Only rows that change are touched, each
 * by its whole key, so concurrent edits of different videos take no gap locks on MySQL.
 */
export async function replaceVideoTags(db: Executor, videoId: string, tags: readonly string[]): Promise<void> {
  const wanted = new Set(tags.map((t) => normalizeForSearch(t).slice(0, 96)));
  const existing = (await db.selectFrom('video_tags').select('tag').where('video_id', '=', videoId).execute()).map((r) => r.tag);
  const gone = existing.filter((t) => !wanted.has(t));
  const added = [...wanted].filter((t) => !existing.includes(t));
  if (gone.length > 0) await db.deleteFrom('video_tags').where('video_id', '=', videoId).where('tag', 'in', gone).execute();
  if (added.length > 0) await db.insertInto('video_tags').values(added.map((tag) => ({ video_id: videoId, tag }))).execute();
}
