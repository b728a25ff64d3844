import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generationDir, newGeneration } from '@video/shared';
import type { Stack } from './stack.js';

type ProcessVideo = (
  input: string,
  outDir: string,
  o: { ladder: number[]; threads: number; signal: AbortSignal; onProgress(p: number): void; gen: string },
) => Promise<{ duration: number; width: number | null; height: number | null }>;

/** The processing state the api reports for a video. */
export async function processingState(stack: Stack, id: string, cookie: string): Promise<string | undefined> {
  const res = await fetch(`${stack.webUrl}/api/videos/${id}`, { headers: { cookie } });
  const video = (await res.json()) as { processing?: { state?: string } | null };
  return video.processing?.state ?? undefined;
}

/**
 * Whether the stack's scheduler processes uploads: it claims a queued task within a few seconds
 * (its interval is 1 s). A build whose scheduler has no media job leaves the task queued.
 */
export async function schedulerProcesses(stack: Stack, id: string, cookie: string, waitMs = 5_000): Promise<boolean> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    if ((await processingState(stack, id, cookie)) !== 'queued') return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/**
 * Processes a video with the real pipeline (Debian's ffmpeg) and installs the generation as the
 * scheduler does: files under video_dir/.media/<id>/<gen>/, then media_gen, poster and the
 * probed facts on the row, and the task done.
 */
export async function processNow(stack: Stack, id: string): Promise<void> {
  const gen = newGeneration();
  const out = generationDir(stack.config.video_dir, id, gen);
  await mkdir(out, { recursive: true });
  const modulePath = '@video/scheduler/src/media/pipeline/process-video.js';
  const { processVideo } = (await import(modulePath)) as { processVideo: ProcessVideo };
  const facts = await processVideo(path.join(stack.config.video_dir, id), out, {
    ladder: stack.config.transcode_ladder,
    threads: 2,
    signal: new AbortController().signal,
    onProgress: () => undefined,
    gen,
  });
  const db = stack.db.kysely;
  await db
    .updateTable('video_info')
    .set({ media_gen: gen, poster: `/videos/${id}/poster.jpg?g=${gen}`, duration: facts.duration, width: facts.width, height: facts.height })
    .where('id', '=', id)
    .execute();
  await db.updateTable('video_tasks').set({ state: 'done', progress: 100, updated_at: Date.now() }).where('video_id', '=', id).execute();
}

/** Waits for the api to report the video processed (by the scheduler, or by processNow). */
export async function untilProcessed(stack: Stack, id: string, cookie: string, waitMs = 40_000): Promise<void> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const state = await processingState(stack, id, cookie);
    if (state === 'done') return;
    if (state === 'failed') throw new Error(`processing ${id} failed`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${id} was not processed within ${waitMs} ms`);
}
