import { v7 as uuidv7 } from 'uuid';
import type { Executor } from '@video/shared';

export interface Candidate {
  id: string;
  author_id: number;
}

/** Public videos with their file that nobody has announced yet, oldest first. */
export async function unannouncedVideos(db: Executor, limit: number): Promise<Candidate[]> {
  return db
    .selectFrom('video_info')
    .select(['id', 'author_id'])
    .where('announced_at', 'is', null)
    .where('upload_state', '=', 'ready')
    .where('privacy', '=', 'public')
    .where('deleted_at', 'is', null)
    .orderBy('create_time')
    .limit(limit)
    .execute();
}

/** Takes the video for this run: false when another run (or instance) already announced it or it changed. */
export async function claimVideo(db: Executor, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('video_info')
    .set({ announced_at: now })
    .where('id', '=', id)
    .where('announced_at', 'is', null)
    .where('upload_state', '=', 'ready')
    .where('privacy', '=', 'public')
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A page of the author's followers (by id), leaving out those who blocked the author. */
export async function followersPage(db: Executor, authorId: number, after: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('follows as f')
    .select('f.follower_id')
    .where('f.followee_id', '=', authorId)
    .where('f.follower_id', '>', after)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('blocks as b').select('b.user_id').whereRef('b.user_id', '=', 'f.follower_id').where('b.blocked_id', '=', authorId))),
    )
    .orderBy('f.follower_id')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.follower_id));
}

/** One new_video notification per follower, in one statement; returns what live delivery needs. */
export async function insertNewVideoNotifications(
  db: Executor,
  video: Candidate,
  followers: number[],
  now: number,
): Promise<{ id: string; userId: number }[]> {
  if (followers.length === 0) return [];
  const rows = followers.map((userId) => ({
    id: uuidv7(),
    user_id: userId,
    type: 'new_video' as const,
    actor_id: Number(video.author_id),
    video_id: video.id,
    comment_id: null,
    created_at: now,
    updated_at: now,
  }));
  await db.insertInto('notifications').values(rows).execute();
  return rows.map((r) => ({ id: r.id, userId: r.user_id }));
}
