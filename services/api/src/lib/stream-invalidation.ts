import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '@video/shared';

/** How long a delete waits for the stream server before it answers anyway (the row TTL covers the rest). */
const TIMEOUT_MS = 2000;

/**
 * Tells the stream server "video <id> changed" (deleted; later its privacy) before the api answers,
 * so its row cache stops serving the old state at once. An unreachable stream server does not fail
 * the change: its short row TTL is the backstop, and the miss is logged.
 */
export function createStreamInvalidator(config: Pick<Config, 'stream_url' | 'internal_token'>, log: FastifyBaseLogger) {
  const base = config.stream_url.replace(/\/+$/, '');
  return async function videoChanged(id: string): Promise<void> {
    try {
      const res = await fetch(`${base}/internal/videos/${encodeURIComponent(id)}/changed`, {
        method: 'POST',
        headers: { 'x-internal-token': config.internal_token },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status !== 204) log.warn({ videoId: id, status: res.status }, 'the stream server refused a video-changed notice; its cache expires within a second');
    } catch (err) {
      log.warn({ err, videoId: id }, 'the stream server is unreachable for a video-changed notice; its cache expires within a second');
    }
  };
}

export type VideoChanged = ReturnType<typeof createStreamInvalidator>;
