import { badRequest, findComment, findLiveVideo, findUserByName, isVideoId, isVisibleTo, notFound, type Executor, type ReportTarget, type SessionUser } from '@video/shared';
import { findDanmaku } from '../danmaku/danmaku-repository.js';
import { isValidUserName, normalizeName } from '../http/input.js';
import type { ReportRow } from './reports-repository.js';

/** What a report points at, once found and checked. */
export interface ResolvedTarget {
  type: ReportTarget;
  /** As stored: the item's id, or the user's numeric id for `user`. */
  storedId: string;
  /** As clients name it: the item's id, or the user's name. */
  publicId: string;
  videoId: string | null;
}

const SUMMARY_CHARS = 200;
const excerpt = (text: string) => [...text].slice(0, SUMMARY_CHARS).join('');
const isModerator = (u: SessionUser) => u.role === 'moderator' || u.role === 'admin';
const refuseSelf = () => badRequest('you cannot report yourself or your own content');

/** A video the reporter may see, else the 404 an unknown id gets: a report never reveals a private video. */
async function seenVideo(db: Executor, videoId: string, reporter: SessionUser) {
  const video = isVideoId(videoId) ? await findLiveVideo(db, videoId) : undefined;
  if (!video || !isVisibleTo(video, reporter.user_id)) throw notFound('no such video');
  return video;
}

/**
 * Finds the target as the reporter may see it (404 otherwise) and refuses a report on oneself or on
 * one's own video, comment or danmaku (400): an owner has better tools than a report.
 */
export async function resolveTarget(db: Executor, reporter: SessionUser, type: ReportTarget, rawId: string): Promise<ResolvedTarget> {
  if (type === 'user') {
    const name = normalizeName(rawId);
    const user = isValidUserName(name) ? await findUserByName(db, name) : undefined;
    if (!user || user.deleted_at !== null) throw notFound('no such user');
    if (Number(user.id) === reporter.user_id) throw refuseSelf();
    return { type, storedId: String(user.id), publicId: user.user_name, videoId: null };
  }
  if (type === 'video') {
    const video = await seenVideo(db, rawId, reporter);
    if (Number(video.author_id) === reporter.user_id) throw refuseSelf();
    return { type, storedId: video.id, publicId: video.id, videoId: video.id };
  }
  if (type === 'comment') {
    const comment = isVideoId(rawId) ? await findComment(db, rawId) : undefined;
    if (!comment) throw notFound('no such comment');
    const video = await seenVideo(db, comment.video_id, reporter).catch(() => {
      throw notFound('no such comment');
    });
    const maySee = comment.state !== 'pending' || Number(comment.author_id) === reporter.user_id || Number(video.author_id) === reporter.user_id || isModerator(reporter);
    if (!maySee) throw notFound('no such comment');
    if (Number(comment.author_id) === reporter.user_id) throw refuseSelf();
    return { type, storedId: comment.id, publicId: comment.id, videoId: comment.video_id };
  }
  const danmaku = isVideoId(rawId) ? await findDanmaku(db, rawId) : undefined;
  if (!danmaku) throw notFound('no such danmaku');
  await seenVideo(db, danmaku.video_id, reporter).catch(() => {
    throw notFound('no such danmaku');
  });
  if (Number(danmaku.author_id) === reporter.user_id) throw refuseSelf();
  return { type, storedId: danmaku.id, publicId: danmaku.id, videoId: danmaku.video_id };
}

export interface TargetSummary {
  summary: string | null;
  /** The user's name for a user target. */
  publicId: string;
  videoHidden: boolean;
}

/** The moderators' view of each report's target, a few batched reads per page. */
export async function summarize(db: Executor, rows: readonly ReportRow[]): Promise<Map<string, TargetSummary>> {
  const idsOf = (t: ReportTarget) => [...new Set(rows.filter((r) => r.target_type === t).map((r) => r.target_id))];
  const videoIds = [...new Set(rows.flatMap((r) => (r.video_id ? [r.video_id] : [])))];
  const userIds = idsOf('user').map(Number).filter(Number.isSafeInteger);
  const [videos, comments, danmaku, users] = await Promise.all([
    videoIds.length ? db.selectFrom('video_info').select(['id', 'name', 'hidden_at', 'deleted_at']).where('id', 'in', videoIds).execute() : [],
    idsOf('comment').length ? db.selectFrom('comments').select(['id', 'content']).where('id', 'in', idsOf('comment')).execute() : [],
    idsOf('danmaku').length ? db.selectFrom('danmaku').select(['id', 'text']).where('id', 'in', idsOf('danmaku')).execute() : [],
    userIds.length ? db.selectFrom('users').select(['id', 'user_name']).where('id', 'in', userIds).execute() : [],
  ]);
  const video = new Map(videos.map((v) => [v.id, v]));
  const text = new Map<string, string>([
    ...videos.filter((v) => v.deleted_at === null).map((v) => [`video:${v.id}`, v.name] as const),
    ...comments.map((c) => [`comment:${c.id}`, excerpt(c.content)] as const),
    ...danmaku.map((d) => [`danmaku:${d.id}`, excerpt(d.text)] as const),
    ...users.map((u) => [`user:${u.id}`, u.user_name] as const),
  ]);
  const out = new Map<string, TargetSummary>();
  for (const r of rows) {
    const key = `${r.target_type}:${r.target_id}`;
    const summary = text.get(key) ?? null;
    const v = r.video_id ? video.get(r.video_id) : undefined;
    out.set(key, { summary, publicId: r.target_type === 'user' ? (summary ?? r.target_id) : r.target_id, videoHidden: v?.hidden_at != null });
  }
  return out;
}
