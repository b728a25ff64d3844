/** This process's moves in progress, by video id, so that the purge can stop the one for a video it removes. */
const active = new Map<string, AbortController>();

export function trackMove(videoId: string, controller: AbortController): () => void {
  active.set(videoId, controller);
  return () => {
    if (active.get(videoId) === controller) active.delete(videoId);
  };
}

/** Aborts this process's move for `videoId`, if any; true when there was one. */
export function abortMove(videoId: string, reason: string): boolean {
  const controller = active.get(videoId);
  controller?.abort(new Error(reason));
  return !!controller;
}
