/**
 * The "hot" rank (after Reddit's, as PeerTube adapts it): the log of a video's activity plus a
 * time term, so a video needs ten times the activity to keep up with one 12.5 hours younger and
 * old videos sink. Activity is net likes, half the comments and a tenth of the last week's views.
 * Scaled by 1e6 into an integer column, so the list pages on it like on the other counters.
 */
export interface HotInputs {
  likes: number;
  dislikes: number;
  comments: number;
  recentViews: number;
  createTimeMs: number;
}

export const HOT_HALF_LIFE_SECONDS = 45_000;
export const HOT_RECENT_DAYS = 7;

export function hotRank({ likes, dislikes, comments, recentViews, createTimeMs }: HotInputs): number {
  const activity = 1 + Math.max(0, likes - dislikes) + comments / 2 + recentViews / 10;
  const score = Math.log10(activity) + createTimeMs / 1000 / HOT_HALF_LIFE_SECONDS;
  return Math.round(score * 1e6);
}
