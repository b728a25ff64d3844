/**
 * The media runs in progress in this process, by video id, so that the purge can stop the one
 * working on a video whose files it is removing.
 */
const active = new Map<string, AbortController>();

export function trackMediaRun(videoId: string, controller: AbortController): () => void {
  active.set(videoId, controller);
  return () => {
    if (active.get(videoId) === controller) active.delete(videoId);
  };
}

/** Aborts this process's run for `videoId`, if any; true when there was one. */
export function abortMediaRun(videoId: string, reason: string): boolean {
  const controller = active.get(videoId);
  if (!controller) return false;
  controller.abort(new Error(reason));
  return true;
}
