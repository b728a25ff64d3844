import { HOT_RECENT_DAYS, hotRank, type Db } from '@video/shared';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';

const BATCH = 500;
const MAX_BATCHES_PER_RUN = 400;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Row {
  id: string;
  likes: number;
  dislikes: number;
  comments_count: number;
  create_time: number;
  hot: number;
}

async function recentViews(db: Db, ids: string[], sinceDay: number): Promise<Map<string, number>> {
  const rows = await db.kysely
    .selectFrom('video_views_daily')
    .select(['video_id', (eb) => eb.fn.sum<number | string>('views').as('n')])
    .where('video_id', 'in', ids)
    .where('day', '>=', sinceDay)
    .groupBy('video_id')
    .execute();
  return new Map(rows.map((r) => [r.video_id, Number(r.n)]));
}

async function rankBatch(db: Db, rows: Row[], now: number): Promise<number> {
  const views = await recentViews(db, rows.map((r) => r.id), Math.floor(now / DAY_MS) - HOT_RECENT_DAYS + 1);
  let changed = 0;
  for (const r of rows) {
    const hot = hotRank({ likes: Number(r.likes), dislikes: Number(r.dislikes), comments: Number(r.comments_count), recentViews: views.get(r.id) ?? 0, createTimeMs: Number(r.create_time) });
    if (hot === Number(r.hot)) continue;
    await db.kysely.updateTable('video_info').set({ hot }).where('id', '=', r.id).execute();
    changed++;
  }
  return changed;
}

/** Recomputes every live video's hot rank, in id order, a bounded number of batches per run. */
export function createHotRankJob({ db, log }: JobContext, now: () => number = Date.now): Job {
  return {
    name: 'hot-rank',
    async run(signal: AbortSignal): Promise<JobRunSummary> {
      let after = '';
      let seen = 0;
      let changed = 0;
      for (let i = 0; i < MAX_BATCHES_PER_RUN && !signal.aborted; i++) {
        const rows: Row[] = await db.kysely
          .selectFrom('video_info')
          .select(['id', 'likes', 'dislikes', 'comments_count', 'create_time', 'hot'])
          .where('deleted_at', 'is', null)
          .where('id', '>', after)
          .orderBy('id')
          .limit(BATCH)
          .execute();
        if (rows.length === 0) break;
        changed += await rankBatch(db, rows, now());
        seen += rows.length;
        after = rows[rows.length - 1].id;
        if (rows.length < BATCH) break;
      }
      countJobRun('hot-rank', { ranked: seen });
      if (changed > 0) log.info({ seen, changed }, 'hot ranks updated');
      return { counts: { ranked: seen, changed } };
    },
  };
}

export const hotRankJob: JobDefinition = {
  name: 'hot-rank',
  // "Every few minutes": counters move the rank slowly, and the time term is in the stored value.
  intervalSeconds: () => 120,
  create: (ctx) => createHotRankJob(ctx),
};
