import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isVideoId, MEDIA_FILES, newGeneration, type Config, type Executor } from '@video/shared';
import { fetchOriginalIfMoved } from '../storage/fetch-original.js';
import { queueMove } from '../storage/move-task-repository.js';
import type { JobContext } from '../jobs/job.js';
import { trackMediaRun } from './active-tasks.js';
import {
  discardRun,
  fileIdentity,
  type FileIdentity,
  makeTmpGeneration,
  publishGeneration,
  publishPartial,
  removeOlderGenerations,
  replaceOriginal,
  stageBesideOriginal,
} from './generation-files.js';
import { failTask, heartbeat, installGeneration, installPreview, releaseTasks, type ClaimedTask, type TaskClaim } from './media-task-repository.js';
import {
  failureReason,
  isPermanentError,
  MediaError,
  type PreviewFacts,
  type ProcessOptions,
  type ProcessResult,
  type ProcessVideo,
} from './process-types.js';

/** Attempts before a task that keeps failing is failed for good: the first and three retries. */
export const MAX_ATTEMPTS = 4;

/** What one run came to. */
export type RunOutcome = 'done' | 'failed' | 'retried' | 'released' | 'lost' | 'error';

/** Everything a run works with. */
export interface MediaRunContext {
  db: JobContext['db'];
  log: JobContext['log'];
  config: Config;
  owner: string;
  heartbeatMs: number;
  retryBaseMs: number;
  process: ProcessVideo;
  now: () => number;
  videoDir: string;
  /** Strictly increasing lease ends (claims are read back by owner and lease end). */
  nextLeaseEnd: () => number;
}

/** Why a run was aborted: the scheduler stopping (the task goes back to the queue) or the task taken from it. */
export class RunAborted extends Error {
  constructor(readonly why: 'stop' | 'lost') {
    super(why === 'stop' ? 'the scheduler is stopping' : 'the task is no longer this run’s');
  }
}

/** The delay before retry `attempts` (1, 2, 3): base, 4·base, 16·base — 30 s, 2 min, 8 min by default. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return baseMs * 4 ** Math.max(0, attempts - 1);
}

interface Beat {
  progress(percent: number): void;
  /** One heartbeat now (after any in flight); false when the task is no longer held. */
  now(): Promise<boolean>;
  stop(): void;
}

/** Every heartbeatMs: the latest progress and a longer lease; a lost task aborts the run. */
function startHeartbeat(m: MediaRunContext, claim: TaskClaim, controller: AbortController): Beat {
  let progress = 0;
  let inFlight: Promise<boolean> | null = null;
  let stopped = false;
  const beat = async (): Promise<boolean> => {
    const held = await heartbeat(m.db.kysely, claim, { progress, now: m.now(), until: m.nextLeaseEnd() }).catch((err: unknown) => {
      m.log.warn({ video_id: claim.videoId, err }, 'media heartbeat failed; retrying at the next one');
      return true;
    });
    if (!held && !stopped && !controller.signal.aborted) controller.abort(new RunAborted('lost'));
    return held;
  };
  const tick = () => {
    if (!inFlight) inFlight = beat().finally(() => (inFlight = null));
  };
  const timer = setInterval(tick, m.heartbeatMs);
  return {
    progress: (percent) => {
      if (Number.isFinite(percent)) progress = Math.max(progress, Math.min(99, percent));
    },
    now: async () => {
      await inFlight;
      return beat();
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

function processOptions(config: Config, gen: string, signal: AbortSignal, onProgress: (p: number) => void): ProcessOptions {
  const watermark = config.watermark_file ? { file: config.watermark_file, position: config.watermark_position } : undefined;
  return { ladder: config.transcode_ladder, threads: config.transcode_threads, watermark, signal, onProgress, gen };
}

/**
 * The poster and thumbnail as their own generation, named as soon as the pipeline has them (a
 * video with no generation yet only), so a new upload has its poster in seconds rather than after
 * the renditions. It shares the run's timestamp, so the final install's clean-up removes it. A
 * failure here costs only the early poster, never the run.
 */
function previewPublisher(m: MediaRunContext, claim: TaskClaim, out: string, at: number) {
  return async (facts: PreviewFacts): Promise<void> => {
    const gen = newGeneration(at);
    try {
      await publishPartial(m.videoDir, claim.videoId, gen, out, [MEDIA_FILES.poster, MEDIA_FILES.thumb]);
      if (await installPreview(m.db.kysely, claim, { gen, ...facts, now: m.now() })) return;
    } catch (err) {
      m.log.warn({ video_id: claim.videoId, err }, 'early poster not published; it comes with the renditions');
    }
    await discardRun(m.videoDir, claim.videoId, gen).catch(() => undefined);
  };
}

/** The original must be there and be what it was; a missing one is the file's fault, not a passing error. */
async function probeOriginal(file: string) {
  try {
    return await fileIdentity(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new MediaError('the original file is missing');
  }
}

/**
 * Publishes the finished generation, swaps in the remuxed original when the task is still ours and
 * the original is still the file that was processed, then installs; false when the task was lost.
 */
async function finish(m: MediaRunContext, claim: TaskClaim, done: Processed, beat: Beat, installing: () => void): Promise<boolean> {
  const { gen, result, original, before } = done;
  const staged = result.faststartFile ? await stageBesideOriginal(m.videoDir, result.faststartFile) : null;
  try {
    await publishGeneration(m.videoDir, claim.videoId, gen);
    const size = staged && (await beat.now()) ? await replaceOriginal(m.videoDir, original, staged, before) : null;
    const { duration, width, height } = result;
    beat.stop();
    installing();
    const move = m.config.storage_type === 's3' ? (trx: Executor) => queueMove(trx, claim.videoId, claim.seq, m.now()) : undefined;
    return await installGeneration(m.db.kysely, claim, { gen, duration, width, height, size: size ?? undefined, now: m.now() }, move);
  } finally {
    // Gone already when it replaced the original.
    if (staged) await rm(staged, { force: true });
  }
}

interface Processed {
  gen: string;
  result: ProcessResult;
  original: string;
  before: FileIdentity;
}

/** The run's error decides the task: released on stop, left alone when lost, else retried or failed. */
async function settle(m: MediaRunContext, task: ClaimedTask, claim: TaskClaim, err: unknown, signal: AbortSignal): Promise<RunOutcome> {
  if (signal.aborted) {
    const stopping = signal.reason instanceof RunAborted && signal.reason.why === 'stop';
    if (!stopping) return 'lost';
    await releaseTasks(m.db.kysely, m.owner, claim);
    return 'released';
  }
  const attempts = task.attempts + 1;
  const final = isPermanentError(err) || attempts >= MAX_ATTEMPTS;
  const now = m.now();
  const retryAt = final ? null : now + retryDelayMs(attempts, m.retryBaseMs);
  const error = failureReason(err);
  if (!(await failTask(m.db.kysely, claim, { error, retryAt, now }))) return 'lost';
  m.log.warn({ video_id: claim.videoId, attempts, retry_at: retryAt, err: error }, final ? 'media task failed' : 'media task failed; will retry');
  return final ? 'failed' : 'retried';
}

/**
 * One task from claim to install: the original is probed, the pipeline writes the generation
 * under `.tmp-<gen>`, the folder is flushed and renamed, the remuxed original (if any) replaces the
 * original only if that is unchanged, and one transaction names the generation — only if the task
 * is still this run's. Whatever fails, the unfinished folder goes and the task is settled.
 */
export async function runMediaTask(m: MediaRunContext, task: ClaimedTask, controller: AbortController): Promise<RunOutcome> {
  const claim: TaskClaim = { videoId: task.video_id, seq: task.seq, owner: m.owner };
  const startedAt = m.now();
  const gen = newGeneration(startedAt);
  const untrack = trackMediaRun(task.video_id, controller);
  const beat = startHeartbeat(m, claim, controller);
  // Once the install has been tried, the folder may be what the row names: only a later install removes it.
  let installing = false;
  try {
    if (!isVideoId(task.video_id)) throw new MediaError('video id is not a safe file name');
    const original = path.join(m.videoDir, task.video_id);
    if (m.config.storage_type === 's3') await fetchOriginalIfMoved(m.db, m.config, m.videoDir, task.video_id, controller.signal);
    const before = await probeOriginal(original);
    const out = await makeTmpGeneration(m.videoDir, task.video_id, gen);
    const options = processOptions(m.config, gen, controller.signal, beat.progress);
    const result = await m.process(original, out, { ...options, onPreview: previewPublisher(m, claim, out, startedAt) });
    controller.signal.throwIfAborted();
    const installed = await finish(m, claim, { gen, result, original, before }, beat, () => (installing = true));
    beat.stop();
    if (!installed) {
      await discardRun(m.videoDir, task.video_id, gen);
      return 'lost';
    }
    await removeOlderGenerations(m.videoDir, task.video_id, gen).catch((err: unknown) =>
      m.log.warn({ video_id: task.video_id, err }, 'older generations not removed; the next install tries again'),
    );
    return 'done';
  } catch (err) {
    beat.stop();
    if (isVideoId(task.video_id) && !installing) await discardRun(m.videoDir, task.video_id, gen).catch(() => undefined);
    return settle(m, task, claim, err, controller.signal);
  } finally {
    beat.stop();
    untrack();
  }
}
