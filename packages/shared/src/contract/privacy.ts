/** Who may see a video: `public` and `unlisted` anyone (unlisted is never listed), `private` its owner. */
export const PRIVACIES = ['public', 'unlisted', 'private'] as const;
export type VideoPrivacy = (typeof PRIVACIES)[number];

/**
 * The one visibility rule every read path applies (api record, comments, danmaku, the stream
 * server's file): a private video is, to anyone but its owner, the same 404 as an unknown id.
 */
export function isVisibleTo(video: { privacy: string; author_id: number | string }, userId: number | null | undefined): boolean {
  return video.privacy !== 'private' || (userId != null && Number(video.author_id) === userId);
}
