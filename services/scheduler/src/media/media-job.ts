import path from 'node:path';
import { countJobRun } from '../jobs/job-metrics.js';
import type { Job, JobContext, JobDefinition, JobRunSummary } from '../jobs/job.js';
import { defaultOwner, leaseClock, leaseFor } from '../purge/purge-job.js';
import { claimTasks, releaseTasks, type ClaimedTask } from './media-task-repository.js';
import { RunAborted, runMediaTask, type MediaRunContext, type RunOutcome } from './media-run.js';
import { defaultProcessVideo, type ProcessVideo } from './process-types.js';

export interface MediaJobOptions {
  /** Names this instance's claims; unique per process. */
  owner?: string;
  /** How long a claim holds without a heartbeat before another run may take the task over. */
  leaseMs?: number;
  /** Between heartbeats (progress and lease); well under the lease and under 5 s. */
  heartbeatMs?: number;
  /** The first retry's delay; each later one is four times the one before. */
  retryBaseMs?: number;
  /** How long close() waits for aborted runs to settle before releasing what they still hold. */
  stopWaitMs?: number;
  /** The pipeline (tests give their own). */
  process?: ProcessVideo;
  now?: () => number;
}

type Counts = Record<RunOutcome | 'claimed' | 'running', number>;

const emptyOutcomes = (): Record<RunOutcome, number> => ({ done: 0, failed: 0, retried: 0, released: 0, lost: 0, error: 0 });

function runContext({ db, log, config }: JobContext, o: MediaJobOptions): MediaRunContext & { leaseMs: number } {
  const now = o.now ?? Date.now;
  const leaseMs = o.leaseMs ?? leaseFor(config.scheduler_interval_seconds);
  return {
    db,
    log,
    config,
    owner: o.owner ?? defaultOwner(),
    leaseMs,
    heartbeatMs: o.heartbeatMs ?? Math.min(2_000, Math.floor(leaseMs / 4)),
    retryBaseMs: o.retryBaseMs ?? 30_000,
    process: o.process ?? defaultProcessVideo,
    now,
    videoDir: path.resolve(config.video_dir),
    nextLeaseEnd: leaseClock(now, leaseMs),
  };
}

interface ActiveRun {
  controller: AbortController;
  settled: Promise<void>;
}

/**
 * Processes uploaded videos. A run claims as many due tasks as there are free slots
 * (transcode_concurrency minus the runs still going) and starts each in the background, so the
 * run itself ends at once and the worker's ticks, logs and /healthz keep moving while a task takes
 * minutes. Each run's counts say how many are running and how many ended since the run before.
 * On stop every task is aborted (its ffmpeg killed) and given back to the queue.
 */
export function createMediaJob(ctx: JobContext, options: MediaJobOptions = {}): Job & { owner: string; active(): number } {
  const m = runContext(ctx, options);
  const active = new Map<string, ActiveRun>();
  let ended = emptyOutcomes();
  let stopping = false;

  const start = (task: ClaimedTask) => {
    const controller = new AbortController();
    const settled = runMediaTask(m, task, controller)
      .catch(async (err: unknown) => {
        m.log.error({ video_id: task.video_id, err }, 'media task crashed; its claim is released');
        await releaseTasks(m.db.kysely, m.owner, { videoId: task.video_id, seq: task.seq, owner: m.owner }).catch(() => undefined);
        return 'error' as const;
      })
      .then((outcome) => {
        ended[outcome]++;
        active.delete(task.video_id);
        m.log.debug({ video_id: task.video_id, outcome }, 'media task ended');
      });
    active.set(task.video_id, { controller, settled });
  };

  const run = async (signal: AbortSignal): Promise<JobRunSummary> => {
    let claimed: ClaimedTask[] = [];
    const free = ctx.config.transcode_concurrency - active.size;
    if (!signal.aborted && !stopping && free > 0) {
      claimed = await claimTasks(m.db.kysely, m.db.dialect, { owner: m.owner, now: m.now(), until: m.nextLeaseEnd(), limit: free });
      for (const task of claimed) start(task);
    }
    const outcomes = ended;
    ended = emptyOutcomes();
    const counts: Counts = { running: active.size, claimed: claimed.length, ...outcomes };
    countJobRun('media', { claimed: claimed.length, ...outcomes });
    // A run that only watched tasks go on is an idle tick: debug, like the purge's.
    const busy = claimed.length > 0 || Object.values(outcomes).some((n) => n > 0);
    m.log[busy ? 'info' : 'debug'](counts, 'media run finished');
    return { counts };
  };

  const close = async () => {
    stopping = true;
    const runs = [...active.values()];
    for (const r of runs) r.controller.abort(new RunAborted('stop'));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.stopWaitMs ?? 3_000)));
    await Promise.race([Promise.allSettled(runs.map((r) => r.settled)), waited]);
    clearTimeout(timer);
    const released = await releaseTasks(m.db.kysely, m.owner);
    if (runs.length > 0 || released > 0) m.log.info({ aborted: runs.length, released }, 'media tasks given back on stop');
  };

  return { name: 'media', owner: m.owner, active: () => active.size, run, close };
}

export const mediaJob: JobDefinition = {
  name: 'media',
  intervalSeconds: (config) => config.scheduler_interval_seconds,
  create: (ctx) => createMediaJob(ctx),
};
