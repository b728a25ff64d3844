import type { Db } from '@video/shared';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';
import { createAnnouncePublisher, type AnnouncePublisher } from './announce-publisher.js';
import { claimVideo, followersPage, insertNewVideoNotifications, unannouncedVideos, type Candidate } from './announce-repository.js';

const VIDEOS_PER_RUN = 50;
const FOLLOWERS_PER_STATEMENT = 500;
/** Bounds one video's fan-out (1,000,000 followers); the loop never runs unbounded. */
const MAX_FOLLOWER_PAGES = 2000;

/** Claims the video and stores one notification per follower, all or nothing. */
async function announceVideo(db: Db, video: Candidate, now: number): Promise<{ id: string; userId: number }[] | null> {
  return db.kysely.transaction().execute(async (trx) => {
    if (!(await claimVideo(trx, video.id, now))) return null;
    const stored: { id: string; userId: number }[] = [];
    let after = 0;
    for (let page = 0; page < MAX_FOLLOWER_PAGES; page++) {
      const followers = await followersPage(trx, Number(video.author_id), after, FOLLOWERS_PER_STATEMENT);
      stored.push(...(await insertNewVideoNotifications(trx, video, followers, now)));
      if (followers.length < FOLLOWERS_PER_STATEMENT) break;
      after = followers[followers.length - 1]!;
    }
    return stored;
  });
}

/**
 * new_video: tells the followers of a video's author once the video is public with its file. The
 * upload itself only marks the video ready; this job, off the upload's path, fans out in batches
 * and then hands the rows to the api instances (Redis, or their poll).
 */
export function createAnnounceJob({ db, log, config }: JobContext, now: () => number = Date.now, publisher?: AnnouncePublisher): Job {
  const live = publisher ?? createAnnouncePublisher(config.redis_url);
  return {
    name: 'announce',
    async run(signal: AbortSignal): Promise<JobRunSummary> {
      let videos = 0;
      let notified = 0;
      for (const video of await unannouncedVideos(db.kysely, VIDEOS_PER_RUN)) {
        if (signal.aborted) break;
        const stored = await announceVideo(db, video, now());
        if (!stored) continue;
        videos++;
        notified += stored.length;
        await live.publish(stored).catch((err: unknown) => log.warn({ err }, 'new_video live delivery failed; the rows are stored'));
      }
      countJobRun('announce', { videos, notified });
      if (videos > 0) log.info({ videos, notified }, 'new videos announced');
      return { counts: { videos, notified } };
    },
    close: () => live.close(),
  };
}

export const announceJob: JobDefinition = {
  name: 'announce',
  // Followers hear of a new video within a couple of seconds of its upload completing.
  intervalSeconds: () => 2,
  create: (ctx) => createAnnounceJob(ctx),
};
